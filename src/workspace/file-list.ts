/**
 * git's file list of a work tree: tracked files and the untracked ones its ignore rules keep
 * (`git ls-files --cached --others --exclude-standard`), kept between calls while nothing that
 * decides it has changed. On 100,000 files ls-files alone takes hundreds of milliseconds; the check
 * is one `stat` per directory git walks. What is watched, as git's own untracked cache does:
 *
 * - the index (tracked files: add, rm, commit, checkout),
 * - every directory git walks (an untracked file created or removed changes its directory's
 *   mtime); wholly ignored directories (node_modules) are not walked, by git or by us,
 * - every ignore source: each `.gitignore` in those directories, `info/exclude`, the excludes
 *   file and the config files that may name it, with what they include.
 *
 * The snapshot is taken before ls-files runs and again after; the list is kept only when both
 * agree, so a change made while git was listing is never hidden behind a matching snapshot. A
 * snapshot with an entry changed within RACY_MS of it is not kept ("racy git"): where timestamps
 * are coarse (a jiffy, or a second on some file systems), a second change in the same tick leaves
 * mtime, ctime and size as they were; the next call after that window keeps the list.
 *
 * A root whose tree is watched (`treeGeneration`, repo-watch.ts) needs none of the directory
 * stats: its list is kept while the tree's generation is unchanged, and only the sources outside
 * the tree (the excludes file, the user's and the system's config) and the config files git reads
 * or includes, wherever they are, are compared.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runGit } from "./git.ts";
import { markAt, markAtAsync, RACY_MS } from "./file-marks.ts";
import { gitConfigFiles } from "./git-config-files.ts";
import { isInside } from "../runtime/index.ts";
import { treeGeneration } from "./repo-watch.ts";

/** Output cap for `git ls-files`: ~100,000 paths at the size of a typical path. */
const LS_FILES_BYTES = 8 * 1024 * 1024;
/** Beyond this many directories to watch the check costs what it saves: list afresh each time. */
const MAX_WATCHED_DIRS = 20_000;
/** Roots remembered at most, the oldest going first: a list of 100,000 paths and what is derived from it hold several megabytes, and workers' worktrees are roots too. */
const MAX_KNOWN = 8;

export interface FileList {
  /** Relative to the root; a nested repository as `dir/`. */
  paths: string[];
  /** True when the output hit the byte cap. */
  truncated: boolean;
}

interface Known {
  list: FileList;
  watched: string[];
  marks: string[];
  /** The tree's generation when the list was read; undefined when its directories are marked instead. */
  generation: number | undefined;
}

interface Snapshot {
  marks: string[];
  /** When it was taken, and the newest mtime or ctime it saw (ms since the epoch). */
  takenAt: number;
  newest: number;
}

const known = new Map<string, Known>();

const NUL_SPLIT = (text: string) => text.split("\0").filter((entry) => entry !== "");

/**
 * Up to this many paths are marked with synchronous `lstat`s (2-5 µs each; a promise one costs 20 µs
 * in Bun): a watched tree's few sources outside it on every call. A longer list (an unwatched
 * tree's directories) goes to the thread pool, so it never holds the event loop.
 */
const SYNC_MARKS_UP_TO = 256;

async function snapshot(paths: readonly string[]): Promise<Snapshot> {
  const takenAt = Date.now();
  const marked = paths.length <= SYNC_MARKS_UP_TO ? paths.map(markAt) : await Promise.all(paths.map(markAtAsync));
  return { marks: marked.map((entry) => entry.mark), takenAt, newest: Math.max(0, ...marked.map((entry) => entry.changedMs)) };
}

const sameMarks = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((mark, at) => mark === b[at]);

/**
 * What decides the list besides the tree: `git`, the index, info/exclude and info/attributes, the
 * repository's config, the `.gitignore`s above the root; `config`, the files git's config reads or
 * names (git-config-files.ts), wherever they are.
 */
async function gitSources(root: string, signal?: AbortSignal): Promise<{ git: string[]; config: string[] } | undefined> {
  const gitPaths = ["index", "info/exclude", "info/attributes", "config"].flatMap((path) => ["--git-path", path]);
  const [paths, configFiles] = await Promise.all([runGit(root, ["rev-parse", "--show-prefix", ...gitPaths], { signal }), gitConfigFiles(root, signal)]);
  if (paths.code !== 0 || !configFiles) return undefined;
  const [prefix = "", ...inGitDir] = paths.stdout.split("\n");
  const above = prefix
    .split("/")
    .filter(Boolean)
    .map((_, up) => resolve(root, ...Array<string>(up + 1).fill(".."), ".gitignore"));
  return { git: [...inGitDir.filter(Boolean).map((path) => resolve(root, path)), ...above], config: configFiles.outside };
}

/** The directories `git ls-files --others --ignored --directory` collapsed: wholly ignored, so git never walks them. */
function whollyIgnored(output: string): Set<string> {
  const entries = NUL_SPLIT(output);
  // A directory git lists with entries below it is only partly ignored (`*.log`): git walks it.
  const parents = new Set(entries.flatMap((path) => [...path.matchAll(/\//g)].map((slash) => `${path.slice(0, slash.index)}/`).filter((dir) => dir !== path)));
  return new Set(entries.filter((path) => path.endsWith("/") && !parents.has(path)));
}

/**
 * The directories git walks below `root` (not `.git`, not through symlinks, not below a nested
 * repository, not into `ignored` ones, whose own entry is still watched) and the `.gitignore`
 * files in them; undefined when there are too many to be worth watching.
 */
async function walkedPaths(root: string, ignored: ReadonlySet<string>): Promise<string[] | undefined> {
  const watched: string[] = [];
  let level = [""];
  while (level.length > 0) {
    const next: string[] = [];
    for (const dir of level) {
      const absolute = dir === "" ? root : join(root, dir);
      watched.push(absolute);
      if (watched.length > MAX_WATCHED_DIRS) return undefined;
      const entries = await readdir(absolute, { withFileTypes: true }).catch(() => []);
      if ((dir !== "" && entries.some((entry) => entry.name === ".git")) || ignored.has(`${dir}/`)) continue;
      for (const entry of entries) {
        const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.name === ".gitignore") watched.push(join(absolute, entry.name));
        else if (entry.isDirectory() && entry.name !== ".git") next.push(path);
      }
    }
    level = next;
  }
  return watched;
}

async function listFiles(root: string, signal?: AbortSignal): Promise<FileList | { error: string }> {
  const result = await runGit(root, ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { maxBytes: LS_FILES_BYTES, signal });
  if (result.code !== 0) return { error: result.stderr };
  const paths = result.stdout.split("\0");
  // The last element is "" after a final NUL, or a cut-off path when the output hit the cap.
  paths.pop();
  return { paths, truncated: result.truncated };
}

/**
 * What to watch for `root`'s list, snapshotted; undefined when it cannot be watched. With a
 * generation, only the sources outside the tree, and every config file: an include may name one in
 * the folder the watch passes over (`.git/objects`).
 */
async function watchSet(root: string, generation: number | undefined, signal?: AbortSignal): Promise<({ watched: string[] } & Snapshot) | undefined> {
  const sources = await gitSources(root, signal);
  if (!sources) return undefined;
  if (generation !== undefined) {
    const outside = [...sources.git.filter((path) => !isInside(root, path)), ...sources.config];
    return { watched: outside, ...(await snapshot(outside)) };
  }
  const ignored = await runGit(root, ["ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"], { maxBytes: LS_FILES_BYTES, signal });
  if (ignored.code !== 0 || ignored.truncated) return undefined;
  const dirs = await walkedPaths(root, whollyIgnored(ignored.stdout));
  if (!dirs) return undefined;
  const watched = [...sources.git, ...sources.config, ...dirs];
  return { watched, ...(await snapshot(watched)) };
}

/**
 * git's file list of `root` (a real path inside a work tree), from memory while nothing it
 * depends on changed; `{ error }` carries git's stderr when ls-files failed (outside a work tree).
 *
 * @example
 * const list = await gitFileList("/work/repo");
 * if (!("error" in list)) console.log(list.paths.length);
 */
export async function gitFileList(root: string, signal?: AbortSignal): Promise<FileList | { error: string }> {
  const found = await gitFileListAt(root, signal);
  return "error" in found ? found : found.list;
}

/**
 * The list with the tree's generation it was judged at (undefined when the tree is not watched),
 * taken before git or anything else read the tree: a caller that reads files of the list can keep
 * what it read on that generation without asking for another. `taken`: that generation, when the
 * caller took it before anything it did for this call.
 */
export async function gitFileListAt(
  root: string,
  signal?: AbortSignal,
  taken?: number,
): Promise<{ list: FileList; generation: number | undefined } | { error: string }> {
  const generation = taken ?? (await treeGeneration(root));
  const entry = known.get(root);
  if (entry) {
    if (entry.generation === generation && sameMarks((await snapshot(entry.watched)).marks, entry.marks)) return { list: entry.list, generation };
    known.delete(root);
  }
  const before = await watchSet(root, generation, signal);
  const list = await listFiles(root, signal);
  if ("error" in list) return list;
  if (!before || (generation === undefined && before.newest >= before.takenAt - RACY_MS)) return { list, generation };
  if ((await treeGeneration(root)) !== generation || !sameMarks((await snapshot(before.watched)).marks, before.marks)) return { list, generation };
  if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value as string);
  known.set(root, { list, watched: before.watched, marks: before.marks, generation });
  return { list, generation };
}
