/**
 * A generation number per work tree, from one inotify watch per directory, so what was read from
 * a tree can be kept until something in it changes, without a git process or a `stat` per file
 * per call.
 *
 * The kernel queues an inotify event inside the system call that made the change, before that
 * call returns (src/runtime/inotify.ts). So at every question one non-blocking read of the queue,
 * on this thread, holds every change completed before the question: no synchronization cookie (as
 * watchman and git's fsmonitor need for a watcher thread or daemon) and nothing written in the
 * tree. Between questions nothing runs; the queue waits in the kernel.
 *
 * Every directory of the tree is watched, `.git` included (index, HEAD, refs, config) but not its
 * object store (watch-walks.ts). A directory's watch is added before it is listed, so a directory
 * made inside it meanwhile is either listed or queued; a new directory found in the queue is
 * watched, then listed, before the answer, so whatever was made in it before its watch is on disk
 * for whoever reads after the answer (the new number says to read). A directory moved inside the
 * tree, or an overflowing queue (events lost), has the whole tree walked again.
 *
 * `undefined` means "not watched, do what you did before": not Linux on Bun (Deno's and macOS's
 * watches are not verified), a root without a `.git` directory of its own (a linked worktree, a
 * root below its repository's top), more than 20,000 entries or 1,000 directories (at the start,
 * and as the tree grows: each directory holds one of the user's watches), a directory that could
 * not be watched (the user's limit) or named (not UTF-8), or a root or its `.git` replaced, moved
 * or removed. A failed root is not tried again for a while. Writes through a shared memory
 * mapping are not reported by inotify, as for watchman and git, nor is a file changed through a
 * hard link outside the tree (inotify tells the directory the change was made through; making the
 * link is not reported either): measured, a kept status stayed clean.
 */
import { type Dirent, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { IN, type Inotify, openInotify } from "../runtime/index.ts";
import { MAX_DIRECTORIES, smallEnough, UNWATCHED } from "./watch-walks.ts";

/** Roots watched at once, the least recently asked closed first; workers' worktrees are roots too. */
export const MAX_ROOTS = 6;
/** How long a root that could not be watched is left alone; one too large to watch, longer (counting it costs a walk). */
const RETRY_AFTER_MS = 60_000;
const TOO_LARGE_FOR_MS = 10 * 60_000;
/** What changes a directory's entries or a file's content or mode; IN_EXCL_UNLINK leaves out files already removed. */
const MASK = IN.MODIFY | IN.ATTRIB | IN.MOVED_FROM | IN.MOVED_TO | IN.CREATE | IN.DELETE | IN.DELETE_SELF | IN.MOVE_SELF | IN.EXCL_UNLINK;

interface TreeWatch {
  root: string;
  ino: number;
  dev: number;
  inotify: Inotify;
  /** Each watch's directory, relative to the root ("" is the root). */
  directories: Map<number, string>;
  generation: number;
}

/** One counter for every root and watch, so a number is never given twice for different contents. */
let lastGeneration = 0;
const watches = new Map<string, TreeWatch>();
const starting = new Map<string, Promise<void>>();
const refusedUntil = new Map<string, number>();

function refuse(root: string, forMs = RETRY_AFTER_MS): undefined {
  refusedUntil.set(root, Date.now() + forMs);
  return undefined;
}

function close(watchOf: TreeWatch): void {
  if (watches.get(watchOf.root) === watchOf) watches.delete(watchOf.root);
  watchOf.inotify.close();
}

function drop(watchOf: TreeWatch, forMs = RETRY_AFTER_MS): undefined {
  close(watchOf);
  return refuse(watchOf.root, forMs);
}

/**
 * Watches `top` (relative) and every directory below it, each before it is listed; false when one
 * that is still a directory could not be watched, or the tree has grown past MAX_DIRECTORIES.
 */
function watchBelow(watchOf: TreeWatch, top: string): boolean {
  const pending = [top];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    if (dir === UNWATCHED) continue;
    // A name that is not UTF-8 reads back with U+FFFD in it, a path that names nothing: such a directory cannot be
    // watched, so neither can the tree.
    if (dir.includes("\uFFFD")) return false;
    const absolute = join(watchOf.root, dir);
    const wd = watchOf.inotify.watch(absolute, MASK);
    if (wd === undefined) {
      // Gone, or a symlink now: its parent's queue says so. Still a directory: the user's watch limit.
      if (lstatSync(absolute, { throwIfNoEntry: false })?.isDirectory()) return false;
      continue;
    }
    watchOf.directories.set(wd, dir);
    if (watchOf.directories.size > MAX_DIRECTORIES) return false;
    let entries: Dirent[];
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) if (entry.isDirectory()) pending.push(join(dir, entry.name));
  }
  return true;
}

/** Walks the whole tree again: a moved directory's watches name old paths, lost events may have named new directories. */
function rewatch(watchOf: TreeWatch): boolean {
  const before = [...watchOf.directories.keys()];
  watchOf.directories.clear();
  if (!watchBelow(watchOf, "")) return false;
  // A directory moved out of the tree keeps its watch until removed here (a watch taken again keeps its number).
  for (const wd of before) if (!watchOf.directories.has(wd)) watchOf.inotify.unwatch(wd);
  return true;
}

async function start(root: string): Promise<void> {
  const info = lstatSync(root, { throwIfNoEntry: false });
  if (!info?.isDirectory() || !lstatSync(join(root, ".git"), { throwIfNoEntry: false })?.isDirectory()) return refuse(root);
  // Where there is no inotify (Deno, macOS) this answers at once, before any walk.
  const inotify = await openInotify();
  if (!inotify) return refuse(root);
  if (!(await smallEnough(root))) {
    inotify.close();
    return refuse(root, TOO_LARGE_FOR_MS);
  }
  const watchOf: TreeWatch = { root, ino: info.ino, dev: info.dev, inotify, directories: new Map(), generation: ++lastGeneration };
  if (!watchBelow(watchOf, "")) {
    inotify.close();
    return refuse(root, TOO_LARGE_FOR_MS);
  }
  while (watches.size >= MAX_ROOTS) close(watches.values().next().value as TreeWatch);
  watches.set(root, watchOf);
}

/** Reads the queue: whether anything changed, and the directories to watch (or "rewatch" for all of it, "root" when the root itself went). */
function drain(watchOf: TreeWatch): { changed: boolean; fresh: string[] | "rewatch" | "root" } {
  let changed = false;
  let fresh: string[] | "rewatch" = [];
  for (const event of watchOf.inotify.read()) {
    if (event.mask & IN.Q_OVERFLOW) {
      changed = true;
      fresh = "rewatch";
      continue;
    }
    // A removed directory's watch ends with IN_IGNORED; its removal showed in its parent's queue.
    if (event.mask & IN.IGNORED) {
      watchOf.directories.delete(event.wd);
      continue;
    }
    const dir = watchOf.directories.get(event.wd);
    if (dir === undefined) continue;
    if (event.mask & (IN.DELETE_SELF | IN.MOVE_SELF)) {
      if (dir === "") return { changed: true, fresh: "root" };
      continue;
    }
    changed = true;
    if (!(event.mask & IN.ISDIR) || fresh === "rewatch") continue;
    if (event.mask & (IN.MOVED_FROM | IN.MOVED_TO)) fresh = "rewatch";
    else if (event.mask & IN.CREATE) fresh.push(join(dir, event.name));
  }
  return { changed, fresh };
}

function answer(watchOf: TreeWatch): number | undefined {
  const info = lstatSync(watchOf.root, { throwIfNoEntry: false });
  if (!info?.isDirectory() || info.ino !== watchOf.ino || info.dev !== watchOf.dev) return drop(watchOf);
  // A `.git` replaced by a symlink is another repository's.
  if (!lstatSync(join(watchOf.root, ".git"), { throwIfNoEntry: false })?.isDirectory()) return drop(watchOf);
  const { changed, fresh } = drain(watchOf);
  if (fresh === "root") return drop(watchOf);
  const watched = fresh === "rewatch" ? rewatch(watchOf) : fresh.every((dir) => watchBelow(watchOf, dir));
  // Grown past the bound (an install into node_modules), or the user's limit reached: all the watches go back.
  if (!watched) return drop(watchOf, TOO_LARGE_FOR_MS);
  if (changed) watchOf.generation = ++lastGeneration;
  return watchOf.generation;
}

/**
 * A number for the contents of the tree under `root` (a real path, the top of a repository whose
 * `.git` is a directory): equal to an earlier answer for `root` only when nothing under `root`,
 * `.git` included, changed between the two, every change completed before this call counted.
 * `undefined` when the tree is not watched (yet, or at all): then decide as without a watch.
 *
 * @example
 * const before = await treeGeneration(root);
 * const list = await listFiles(root);
 * if (before !== undefined && before === (await treeGeneration(root))) keep(list, before);
 *
 * `onlyWithRoom`: start no watch that would close another root's (a file read, which a watch
 * only speeds up, must not have several roots read in turn walk their trees again and again).
 */
export async function treeGeneration(root: string, options: { onlyWithRoom?: boolean } = {}): Promise<number | undefined> {
  if (!watches.has(root)) {
    if ((refusedUntil.get(root) ?? 0) > Date.now()) return undefined;
    if (options.onlyWithRoom && watches.size >= MAX_ROOTS) return undefined;
    const started = starting.get(root) ?? start(root).catch(() => refuse(root));
    starting.set(root, started);
    await started;
    starting.delete(root);
  }
  const watchOf = watches.get(root);
  if (!watchOf) return undefined;
  // Most recently asked last, so the least recently asked is closed first.
  watches.delete(root);
  watches.set(root, watchOf);
  return answer(watchOf);
}

/** Closes every watch (for tests). */
export function closeTreeWatches(): void {
  for (const watchOf of [...watches.values()]) close(watchOf);
}
