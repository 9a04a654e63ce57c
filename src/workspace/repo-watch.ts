/**
 * A generation number per work tree, from one file-system watch, so what was read from a tree can
 * be kept until something in it changes, without a git process or a `stat` per file per call.
 *
 * The design is watchman's and git's fsmonitor's: one recursive watcher per root (Bun: inotify,
 * one queue, so its events arrive in the order they happened; two watchers' events do not), and at
 * every question a *synchronization cookie*: a file written in the root's `.git` directory, and
 * the answer waits until the watcher reports it. Every change completed before the question was
 * queued before the cookie, so it has been seen by then. The cookie is one of two files per
 * process (`.git/patchbay-watch-cookie-<pid>-{0,1}`, taking turns: Bun drops an event of the same
 * kind for the same file within 1 ms of the last one, which a second write of one cookie would be),
 * made afresh each time (whatever sits at the name removed first, never written through), removed
 * when the watch closes and at exit (and a dead process's by the next watch of that tree); git
 * ignores unknown files in `.git`. That same dropping hits the tree's own files: a change made
 * within a millisecond of a reported one can go unreported, so answers within QUIET_MS of a
 * reported change are each new (nothing read then is kept).
 *
 * Bun registers a new directory's inotify watch from a thread pool, after the directory's own
 * event: a file changed there before that is never reported. So a watch is *unsettled* from its
 * start and from every event that names a new directory until the kernel's list of watches
 * (`/proc/self/fdinfo`) holds every directory below it, and while unsettled every answer is a new
 * number (nothing is kept), the one that finds it settled included. That also covers the inotify
 * watch limit (a directory never watched never settles). An overflowing kernel queue drops the
 * newest events, a new directory's among them (never watched then); Bun reports the overflow as
 * an event without a name, which drops the watch (measured with this process stopped).
 *
 * `undefined` means "not watched, do what you did before": not Linux on Bun (Deno's and macOS's
 * watches are not verified), a root without a `.git` directory of its own (a linked worktree, a
 * root below its repository's top), more than MAX_ENTRIES entries or MAX_DIRECTORIES directories
 * (at the start, and again once new directories have settled: each holds one of the user's watches),
 * a cookie not reported within COOKIE_WAIT_MS (that question; LATE_IN_A_ROW of them drop the watch),
 * a watcher error, or a root or its `.git` replaced,
 * moved or removed. A failed root is not tried again for a while. A root's first question starts
 * its watch and waits for it (50–200 ms measured on a loaded box for 1,000–5,000 files).
 * Writes through a shared memory mapping are not reported by inotify, as for watchman and git, nor
 * is a file changed through a hard link outside the tree (inotify tells the directory the change was
 * made through; making the link is not reported either): measured, a kept status stayed clean.
 */
import { closeSync, constants, type FSWatcher, lstatSync, openSync, readdirSync, rmSync, watch, writeSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive, runtimeName } from "../runtime/index.ts";
import { settled, smallEnough } from "./watch-walks.ts";

/** A cookie reported later than this: that question is answered "not watched"; LATE_IN_A_ROW such answers drop the watch. */
const COOKIE_WAIT_MS = 100;
const LATE_IN_A_ROW = 3;
/**
 * Bun drops an event of the same kind for the same file that comes within about a millisecond of
 * the last one it reported (measured: a file written 3,000 times, each write awaited, reported
 * 1,543 times; a writer appending every 0.3 ms reported every 2 ms). A change dropped so came
 * right after a reported one; so while the last reported change is this recent, every answer is
 * a new number, and so is the next one: nothing read in that window is kept on it.
 */
const QUIET_MS = 50;
/** Roots watched at once, the least recently asked closed first; workers' worktrees are roots too. */
const MAX_ROOTS = 6;
/** How long a root that could not be watched is left alone; one too large to watch, longer (counting it costs a walk). */
const RETRY_AFTER_MS = 60_000;
const TOO_LARGE_FOR_MS = 10 * 60_000;
/** Bun registers a directory's watch within milliseconds; unsettled for longer, its watches are missing (the inotify limit). */
const SETTLE_WITHIN_MS = 5_000;

const SUPPORTED = runtimeName === "bun" && process.platform === "linux";
/** Every process's cookies: another patchbay watching the same tree (a standalone session beside the server) changes nothing git reads. */
const COOKIES = ".git/patchbay-watch-cookie-";
/** Renamed entries noted between two questions; past this many the whole tree is judged at the next one. */
const MAX_RENAMED = 4096;

interface TreeWatch {
  root: string;
  ino: number;
  dev: number;
  watcher?: FSWatcher;
  generation: number;
  dirty: boolean;
  /** Directories (relative) whose subtrees may still lack inotify watches; "" is the whole root. */
  unsettled: Set<string>;
  unsettledSince: number;
  /** Names of created, removed or moved entries since the last question, judged after its cookie (a directory needs settling). */
  renamed: Set<string>;
  /** More renamed entries than MAX_RENAMED came: the whole tree is judged again, and counted. */
  renamedOverflow: boolean;
  /** When the last change (not a cookie) was reported (performance.now()). */
  changedAt: number;
  /** Questions in a row whose cookie came late. */
  late: number;
  cookieTurn: number;
  onCookie: ((name: string) => void) | undefined;
  /** Questions are answered one after another: each waits for its own cookie. */
  queue: Promise<unknown>;
}

/** One counter for every root and watch, so a number is never given twice for different contents. */
let lastGeneration = 0;
const watches = new Map<string, TreeWatch>();
const starting = new Map<string, Promise<void>>();
const refusedUntil = new Map<string, number>();

const cookieName = (turn: number) => `${COOKIES}${process.pid}-${turn}`;

function refuse(root: string, forMs = RETRY_AFTER_MS): void {
  refusedUntil.set(root, Date.now() + forMs);
}

function close(watchOf: TreeWatch): void {
  if (watches.get(watchOf.root) === watchOf) watches.delete(watchOf.root);
  watchOf.watcher?.close();
  for (const turn of [0, 1]) rmSync(join(watchOf.root, cookieName(turn)), { force: true });
}

function drop(watchOf: TreeWatch): undefined {
  close(watchOf);
  refuse(watchOf.root);
  return undefined;
}

function onEvent(watchOf: TreeWatch, event: string, name: string | null): void {
  // Bun names no path when the root itself moved or went.
  if (name === null) {
    drop(watchOf);
    return;
  }
  if (name.startsWith(COOKIES)) {
    watchOf.onCookie?.(name);
    return;
  }
  watchOf.dirty = true;
  watchOf.changedAt = performance.now();
  // Only noted here: an lstat per event on this thread made a burst of 100,000 events hold the event loop 96-214 ms
  // (7-17 ms without it); the question after the burst judges each name once.
  if (event !== "rename" || watchOf.renamedOverflow) return;
  if (watchOf.renamed.size >= MAX_RENAMED) {
    watchOf.renamedOverflow = true;
    watchOf.renamed.clear();
  } else watchOf.renamed.add(name);
}

/** The created or moved-in directories among the renamed entries: Bun watches each only once its thread pool gets to it. */
function noteNewDirectories(watchOf: TreeWatch): void {
  const fresh = watchOf.renamedOverflow
    ? [""]
    : [...watchOf.renamed].filter((name) => lstatSync(join(watchOf.root, name), { throwIfNoEntry: false })?.isDirectory());
  watchOf.renamed.clear();
  if (fresh.length === 0) return;
  if (watchOf.unsettled.size === 0) watchOf.unsettledSince = performance.now();
  for (const name of fresh) watchOf.unsettled.add(name);
}

/** Removes the cookies a killed patchbay left in `gitDir` (its exit hook never ran). */
function sweepDeadCookies(gitDir: string): void {
  for (const name of readdirSync(gitDir)) {
    const pid = /^patchbay-watch-cookie-(\d+)-[01]$/.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) rmSync(join(gitDir, name), { force: true });
  }
}

async function start(root: string): Promise<void> {
  const info = lstatSync(root, { throwIfNoEntry: false });
  if (!info?.isDirectory() || !lstatSync(join(root, ".git"), { throwIfNoEntry: false })?.isDirectory()) return refuse(root);
  if (!(await smallEnough(root))) return refuse(root, TOO_LARGE_FOR_MS);
  sweepDeadCookies(join(root, ".git"));
  const watchOf: TreeWatch = {
    root,
    ino: info.ino,
    dev: info.dev,
    generation: 0,
    dirty: true,
    unsettled: new Set([""]),
    unsettledSince: performance.now(),
    renamed: new Set(),
    renamedOverflow: false,
    // Nothing reported yet: the start itself is covered by the tree being unsettled until every directory is watched.
    changedAt: Number.NEGATIVE_INFINITY,
    late: 0,
    cookieTurn: 0,
    onCookie: undefined,
    queue: Promise.resolve(),
  };
  try {
    const watcher = watch(root, { recursive: true, persistent: false }, (event, name) => onEvent(watchOf, event, name == null ? null : String(name)));
    watcher.on("error", () => drop(watchOf));
    watchOf.watcher = watcher;
  } catch {
    return refuse(root);
  }
  while (watches.size >= MAX_ROOTS) close(watches.values().next().value as TreeWatch);
  watches.set(root, watchOf);
}

/** Writes the next cookie and waits for the watcher to report it: "seen" once every earlier change has been seen. */
function cookieSeen(watchOf: TreeWatch, signal?: AbortSignal): Promise<"seen" | "late" | "unwritable"> {
  const name = cookieName(watchOf.cookieTurn);
  watchOf.cookieTurn = 1 - watchOf.cookieTurn;
  return new Promise((resolve) => {
    const done = (seen: "seen" | "late" | "unwritable") => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
      watchOf.onCookie = undefined;
      resolve(seen);
    };
    const aborted = () => done("late");
    const timer = setTimeout(() => done("late"), COOKIE_WAIT_MS);
    signal?.addEventListener("abort", aborted, { once: true });
    watchOf.onCookie = (reported) => reported === name && done("seen");
    try {
      // Whatever sits at the name is removed, never written through: anyone who can write the tree can plant a symlink
      // or a hard link to a file to truncate, or a FIFO that blocks this event loop. The removal's event, like the
      // creation's, comes after every earlier change.
      const path = join(watchOf.root, name);
      rmSync(path, { force: true });
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, "1");
      } finally {
        closeSync(fd);
      }
    } catch {
      done("unwritable");
    }
  });
}

async function answer(watchOf: TreeWatch, signal?: AbortSignal): Promise<number | undefined> {
  // Closed while this question waited its turn (the least recently asked of too many roots).
  if (watches.get(watchOf.root) !== watchOf) return undefined;
  const info = lstatSync(watchOf.root, { throwIfNoEntry: false });
  if (!info?.isDirectory() || info.ino !== watchOf.ino || info.dev !== watchOf.dev) return drop(watchOf);
  // A `.git` replaced by a symlink would take the cookie out of the watched tree.
  if (!lstatSync(join(watchOf.root, ".git"), { throwIfNoEntry: false })?.isDirectory()) return drop(watchOf);
  const cookie = await cookieSeen(watchOf, signal);
  if (cookie === "unwritable") {
    // A read-only `.git` stays so: starting the watch again each minute (a walk and Bun's registration) only to fail is waste.
    close(watchOf);
    refuse(watchOf.root, TOO_LARGE_FOR_MS);
    return undefined;
  }
  if (cookie === "late") {
    if (signal?.aborted) return undefined;
    // A loaded machine can delay one cookie past the wait; a watcher that misses several is stuck.
    if (++watchOf.late >= LATE_IN_A_ROW) return drop(watchOf);
    watchOf.dirty = true;
    return undefined;
  }
  watchOf.late = 0;
  if (watches.get(watchOf.root) !== watchOf) return undefined; // dropped while waiting (an error, the root moved)
  const overflowed = watchOf.renamedOverflow;
  watchOf.renamedOverflow = false;
  noteNewDirectories(watchOf);
  if (watchOf.unsettled.size > 0) {
    watchOf.dirty = true;
    if (settled(watchOf.root, watchOf.unsettled)) {
      // The start counted the tree ("" unsettled); since then each new directory took a watch from the
      // user's limit, which their IDE shares: past the bound, all go back (a walk: 35 ms at 15,000 entries).
      const grew = !watchOf.unsettled.has("") || overflowed;
      watchOf.unsettled.clear();
      if (grew && !(await smallEnough(watchOf.root))) {
        close(watchOf);
        refuse(watchOf.root, TOO_LARGE_FOR_MS);
        return undefined;
      }
    } else if (performance.now() - watchOf.unsettledSince > SETTLE_WITHIN_MS) return drop(watchOf);
  }
  const changing = performance.now() - watchOf.changedAt < QUIET_MS;
  if (watchOf.dirty || changing) {
    watchOf.generation = ++lastGeneration;
    watchOf.dirty = changing;
  }
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
 */
export async function treeGeneration(root: string, signal?: AbortSignal): Promise<number | undefined> {
  if (!SUPPORTED) return undefined;
  if (!watches.has(root)) {
    if ((refusedUntil.get(root) ?? 0) > Date.now()) return undefined;
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
  const next = watchOf.queue.then(() => answer(watchOf, signal));
  watchOf.queue = next.catch(() => undefined);
  return next;
}

/** Closes every watch and removes its cookies (at exit, and for tests). */
export function closeTreeWatches(): void {
  for (const watchOf of [...watches.values()]) close(watchOf);
}

if (SUPPORTED) process.once("exit", closeTreeWatches);
