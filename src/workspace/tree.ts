/**
 * The repository tree, bounded by depth and entry count. Inside git, `git ls-files` gives exactly
 * git's ignore rules at git's speed; elsewhere a breadth-first walk that never follows symlinks.
 * Entries are chosen shallowest first, so a truncated listing still shows the top of the tree.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { blockedBy } from "./blocked.ts";
import { type FileList, gitFileList } from "./file-list.ts";
import { LIMITS } from "./limits.ts";
import { missingPath } from "./near-files.ts";
import { statInside } from "./stat-inside.ts";
import { isInside, type GuardedPath } from "./path-guard.ts";
import type { Workspace } from "./workspace.ts";

export type EntryType = "file" | "dir" | "symlink";

export interface TreeEntry {
  /** Relative to the repository root, `/` separators. */
  path: string;
  type: EntryType;
  /** Bytes, for files only. */
  size?: number;
}

export interface TreeOptions {
  /** Directory to list, relative to the repository root; the root when empty. */
  path?: string;
  /** Levels below `path` to include (1: its direct children). Default LIMITS.treeDepth. */
  maxDepth?: number;
  /** Clamped to LIMITS.treeMaxEntries. Default LIMITS.treeEntries. */
  maxEntries?: number;
  /** Include names starting with a dot below `path`. */
  includeHidden?: boolean;
  signal?: AbortSignal;
}

export interface TreeListing {
  /** The listed directory relative to the root; "" for the root. */
  path: string;
  /** Sorted as a tree: each directory right before its contents. */
  entries: TreeEntry[];
  /** True when more entries within `maxDepth` existed than `maxEntries` allowed. */
  truncated: boolean;
  counts: { files: number; dirs: number; symlinks: number };
  /** `git` when git's file list (and so .gitignore) was used, `walk` outside a git work tree. */
  source: "git" | "walk";
}

/** True when a segment of `path` below `base` starts with a dot. */
export function isHiddenBelow(path: string, base: string): boolean {
  const below = base === "" ? path : path.slice(base.length + 1);
  return below.split("/").some((segment) => segment.startsWith("."));
}

/** Escapes git wildmatch characters so a real path is matched literally inside a glob pathspec. */
export function escapeGlob(path: string): string {
  return path.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Pathspecs that keep git from ever opening blocked paths (and hidden ones below `base`). A
 * pattern without a slash matches a name at any depth, and a match excludes everything under it,
 * as blockedBy does; callers still check blockedBy, the authority, on what git returns.
 */
export function gitExcludes(blockedGlobs: readonly string[], base: string, includeHidden: boolean): string[] {
  const patterns = blockedGlobs.map((glob) => (glob.includes("/") ? glob : `**/${glob}`));
  if (!includeHidden) patterns.push(`${base === "" ? "" : `${escapeGlob(base)}/`}**/.*`);
  return patterns.flatMap((pattern) => [`:(exclude,glob)${pattern}`, `:(exclude,glob)${pattern}/**`]);
}

/** git's answer when `cwd` is not a work tree it will use: then we walk instead. */
export function isNotGitRepo(stderr: string): boolean {
  return /not a git repository|dubious ownership/i.test(stderr);
}

/** Sorts paths as a tree: `a`, `a/b`, `a.txt` (a plain sort would put `a.txt` between `a` and `a/b`). */
function sortTreePaths(paths: Iterable<string>): string[] {
  // Keys computed once: a comparator rewriting both sides costs 20 ms on 20,000 paths.
  const keyed = Array.from(paths, (path) => [path.replaceAll("/", "\0"), path] as const);
  return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, path]) => path);
}

interface WalkEntry {
  path: string;
  absolute: string;
  type: EntryType;
}

/** Reads a directory only if its real location is still inside the root (it may have been swapped for a symlink). */
async function readDirInside(root: string, dir: string) {
  try {
    if (!isInside(root, await realpath(dir))) return [];
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/**
 * Breadth-first walk below `start` (a guarded directory), never into `.git`, blocked or (unless
 * `includeHidden`) hidden entries, and never through a symlink: links are yielded, not followed.
 *
 * @example
 * for await (const entry of walkEntries(ws, await ws.guard("src"), { maxDepth: 2, includeHidden: false })) console.log(entry.path);
 */
async function* walkEntries(ws: Workspace, start: GuardedPath, options: { maxDepth: number; includeHidden: boolean }): AsyncGenerator<WalkEntry> {
  let level = [start];
  for (let depth = 1; depth <= options.maxDepth && level.length > 0; depth++) {
    const next: GuardedPath[] = [];
    for (const dir of level) {
      for (const dirent of await readDirInside(ws.root, dir.absolute)) {
        if (dirent.name === ".git") continue;
        const path = dir.relative === "" ? dirent.name : `${dir.relative}/${dirent.name}`;
        if (!options.includeHidden && dirent.name.startsWith(".")) continue;
        if (blockedBy(path, ws.blockedGlobs)) continue;
        const type: EntryType | undefined = dirent.isSymbolicLink() ? "symlink" : dirent.isDirectory() ? "dir" : dirent.isFile() ? "file" : undefined;
        if (!type) continue;
        const absolute = join(dir.absolute, dirent.name);
        yield { path, absolute, type };
        if (type === "dir") next.push({ absolute, relative: path, exists: true });
      }
    }
    level = next;
  }
}

/**
 * Files (and nested repositories, as `dir/`) git considers part of the root's tree; undefined
 * outside git. The list is kept between calls (file-list.ts); blocked and hidden paths are
 * dropped afterwards from the few entries actually listed.
 */
async function gitFiles(ws: Workspace, signal?: AbortSignal): Promise<FileList | undefined> {
  const list = await gitFileList(ws.root, signal);
  if ("error" in list) {
    if (isNotGitRepo(list.error)) return undefined;
    throw new PatchbayError("git_failed", `git ls-files failed: ${list.error.trim().split("\n").pop()}`, {
      next: "check the repository with codex_git_status",
    });
  }
  return list;
}

type Level = Array<readonly [string, EntryType]>;

/**
 * Levels derived from a kept file list, by base and depth: the list stays the same object while
 * git's answer would, and deriving them costs more than everything else in a call (100,000 paths).
 */
const levelsByList = new WeakMap<readonly string[], Map<string, Level[]>>();
/** Derivations kept per list: a few bases and depths in use at once. */
const LEVELS_PER_LIST = 8;

/** The distinct entries under `base` within `maxDepth` implied by git's file paths, one tree-sorted level per depth. */
function entriesByDepth(paths: readonly string[], base: string, maxDepth: number): Level[] {
  const memo = levelsByList.get(paths) ?? new Map<string, Level[]>();
  levelsByList.set(paths, memo);
  const key = `${maxDepth}\0${base}`;
  const known = memo.get(key);
  if (known) return known;
  const levels: Map<string, EntryType>[] = [];
  const prefix = base === "" ? "" : `${base}/`;
  for (const raw of paths) {
    if (!raw.startsWith(prefix)) continue;
    const nestedRepo = raw.endsWith("/");
    const path = nestedRepo ? raw.slice(0, -1) : raw;
    let from = prefix.length;
    for (let depth = 1; depth <= maxDepth; depth++) {
      const level = (levels[depth - 1] ??= new Map());
      const slash = path.indexOf("/", from);
      if (slash === -1) {
        level.set(path, nestedRepo ? "dir" : "file");
        break;
      }
      level.set(path.slice(0, slash), "dir");
      from = slash + 1;
    }
  }
  const sorted = levels.map((level) => sortTreePaths(level.keys()).map((path) => [path, level.get(path)!] as const));
  if (memo.size >= LEVELS_PER_LIST) memo.delete(memo.keys().next().value as string);
  memo.set(key, sorted);
  return sorted;
}

/** The entries picked for a listing, in the order they were picked. */
interface Chosen {
  chosen: Map<string, EntryType>;
  truncated: boolean;
}

/** Shallowest entries first, up to `maxEntries`, skipping blocked and hidden ones. */
function chooseEntries(levels: Level[], maxEntries: number, keep: (path: string) => boolean): Chosen {
  const chosen = new Map<string, EntryType>();
  for (const level of levels) {
    for (const [path, type] of level) {
      if (!keep(path)) continue;
      if (chosen.size === maxEntries) return { chosen, truncated: true };
      chosen.set(path, type);
    }
  }
  return { chosen, truncated: false };
}

/**
 * Sizes and symlink types from the disk, in `order`; deleted paths and paths behind a symlinked
 * directory drop out. Each is looked up in its parent held open (stat-inside.ts), so a directory
 * swapped for a symlink never shows an outside file's size.
 */
async function describeEntries(root: string, order: readonly string[]): Promise<TreeEntry[]> {
  const stats = await statInside(root, order);
  return order.flatMap((path): TreeEntry[] => {
    const info = stats.get(path);
    if (!info) return [];
    if (info.isSymbolicLink()) return [{ path, type: "symlink" }];
    return [info.isDirectory() ? { path, type: "dir" } : { path, type: "file", size: info.size }];
  });
}

async function chooseByWalk(ws: Workspace, base: GuardedPath, maxDepth: number, maxEntries: number, includeHidden: boolean): Promise<Chosen> {
  const chosen = new Map<string, EntryType>();
  for await (const entry of walkEntries(ws, base, { maxDepth, includeHidden })) {
    if (chosen.size === maxEntries) return { chosen, truncated: true };
    chosen.set(entry.path, entry.type);
  }
  return { chosen, truncated: false };
}

function countEntries(entries: readonly TreeEntry[]): TreeListing["counts"] {
  const counts = { files: 0, dirs: 0, symlinks: 0 };
  for (const entry of entries) counts[entry.type === "file" ? "files" : entry.type === "dir" ? "dirs" : "symlinks"]++;
  return counts;
}

/**
 * Lists the tree under `options.path`: at most `maxEntries` entries within `maxDepth` levels,
 * shallowest first, ignoring what .gitignore ignores (inside git), `.git`, blocked paths and,
 * unless `includeHidden`, dot entries. Refuses escapes and blocked directories through the guard.
 *
 * @example
 * const listing = await listTree(ws, { maxDepth: 2, maxEntries: 200 });
 * for (const entry of listing.entries) console.log(entry.type === "dir" ? `${entry.path}/` : entry.path);
 */
export async function listTree(ws: Workspace, options: TreeOptions = {}): Promise<TreeListing> {
  const maxDepth = Math.max(1, options.maxDepth ?? LIMITS.treeDepth);
  const maxEntries = Math.max(1, Math.min(options.maxEntries ?? LIMITS.treeEntries, LIMITS.treeMaxEntries));
  const includeHidden = options.includeHidden ?? false;
  const base = await ws.guard(options.path || ".");
  const info = base.exists ? await stat(base.absolute) : undefined;
  if (!info) throw await missingPath(ws, base.relative, "list the folder meant, or the parent directory, with codex_repo_tree", { kind: "folder" });
  if (!info.isDirectory()) throw new PatchbayError("not_a_directory", `${base.relative} is a file, not a directory`, { next: "read it with codex_read_file" });

  const files = await gitFiles(ws, options.signal);
  const keep = (path: string) => (includeHidden || !isHiddenBelow(path, base.relative)) && !blockedBy(path, ws.blockedGlobs);
  const { chosen, truncated } = files
    ? chooseEntries(entriesByDepth(files.paths, base.relative, maxDepth), maxEntries, keep)
    : await chooseByWalk(ws, base, maxDepth, maxEntries, includeHidden);
  const entries = await describeEntries(ws.root, sortTreePaths(chosen.keys()));
  return { path: base.relative, entries, truncated: truncated || (files?.truncated ?? false), counts: countEntries(entries), source: files ? "git" : "walk" };
}
