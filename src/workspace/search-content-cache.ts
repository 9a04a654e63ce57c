/**
 * What the in-process literal search (search-files.ts) read, kept while it is still the file on
 * disk, so a search of a small repository matches memory instead of opening, checking and reading
 * every file on every call (200 files: about 3 ms of descriptor work per call). Every kept byte was
 * read through the safe open (open-inside.ts); a kept file is served only while
 *
 * - the tree's generation (repo-watch.ts: it changes with anything under the root) is the one
 *   taken before the file was read or last found unchanged, or
 * - its `lstat` mark (device, inode, mode, links, size, mtime, ctime) is the one taken before and
 *   after the read, and neither timestamp lay within RACY_MS of the read: a coarse file clock lets
 *   a second same-size write in the same tick keep the mark (git's "racy" entries), so such a file
 *   is read again until its timestamps are older.
 *
 * A path now reached through a symlinked directory, replaced by a symlink, or linked a second time
 * has another mark, and is read again the safe way. Which files may be shown (blocked globs,
 * hidden files) the caller decides per query; only the files' bytes are kept here.
 */
import { lstatSync, type Stats } from "node:fs";
import { RACY_MS } from "./file-marks.ts";
import { openFileInside } from "./open-inside.ts";

/** Bytes kept across every root; the root used longest ago goes first. */
export const MAX_TOTAL_BYTES = 32 * 1024 * 1024;
/** What an entry costs besides its bytes (the mark, the map slot, the path). */
const ENTRY_OVERHEAD_BYTES = 256;
/** A larger file sends the search to git, which streams it. */
const MAX_FILE_BYTES = 1024 * 1024;
/** git's binary test: a NUL among the first bytes (buffer_is_binary). */
const BINARY_PROBE_BYTES = 8000;

/** A file's text to match; "skip" when git grep would not search it (binary, not a single-link regular file); "git" when git must (too large). */
export type FileContent = Buffer | "skip" | "git";

interface Mark {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface Kept {
  content: FileContent;
  mark: Mark;
  /** The mark alone cannot vouch for it (timestamps close to the read). */
  racy: boolean;
  /** The tree's generation when the content was last known to be the file's. */
  generation: number | undefined;
  bytes: number;
}

/** git's file list of a root (file-list.ts), or any list of relative paths. */
interface ListedPaths {
  paths: readonly string[];
}

interface RootContents {
  /** The file list the entries belong to: a new list drops the files it no longer holds. */
  list: ListedPaths;
  files: Map<string, Kept>;
  bytes: number;
}

/** In use order: the first is the root used longest ago. */
const roots = new Map<string, RootContents>();
let totalBytes = 0;

function markOf(info: Stats): Mark {
  const { dev, ino, mode, nlink, size, mtimeMs, ctimeMs } = info;
  return { dev, ino, mode, nlink, size, mtimeMs, ctimeMs };
}

function sameMark(a: Mark, b: Mark): boolean {
  return (
    a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.dev === b.dev && a.mode === b.mode && a.nlink === b.nlink
  );
}

/** The mark of whatever is at `path` now (a symlink's own), or undefined when nothing can be seen there. */
function markAt(path: string): Mark | undefined {
  try {
    const info = lstatSync(path, { throwIfNoEntry: false });
    return info && markOf(info);
  } catch {
    // A parent is no longer a directory, or unreadable: nothing to vouch for.
    return undefined;
  }
}

function dropRoot(root: string): void {
  const contents = roots.get(root);
  if (!contents) return;
  totalBytes -= contents.bytes;
  roots.delete(root);
}

function forget(contents: RootContents, path: string): void {
  const kept = contents.files.get(path);
  if (!kept) return;
  contents.files.delete(path);
  contents.bytes -= kept.bytes;
  totalBytes -= kept.bytes;
}

/** Keeps `kept` when the bound allows, making room from the roots used longest ago (never from `root` itself). */
function keep(root: string, contents: RootContents, path: string, kept: Kept): void {
  // A search running alongside may have kept the file meanwhile.
  forget(contents, path);
  for (const other of roots.keys()) {
    if (totalBytes + kept.bytes <= MAX_TOTAL_BYTES) break;
    if (other !== root) dropRoot(other);
  }
  // One repository past the bound keeps what it read first, rather than evicting its own files in a cycle.
  if (totalBytes + kept.bytes > MAX_TOTAL_BYTES) return;
  contents.files.set(path, kept);
  contents.bytes += kept.bytes;
  totalBytes += kept.bytes;
}

/** What git grep would search in the file at `path`, read through the safe open. */
async function readContent(path: string, before: Mark): Promise<{ content: FileContent; keepable: boolean }> {
  // Not a single-link regular file: the safe open refuses it anyway, and its mark says so until it changes.
  if ((before.mode & 0o170000) !== 0o100000 || before.nlink !== 1) return { content: "skip", keepable: true };
  const opened = await openFileInside(path);
  if (!opened) return { content: "skip", keepable: false };
  try {
    const keepable = sameMark(markOf(opened.info), before);
    if (opened.info.size > MAX_FILE_BYTES) return { content: "git", keepable };
    const data = await opened.handle.readFile();
    return { content: data.subarray(0, BINARY_PROBE_BYTES).includes(0) ? "skip" : data, keepable };
  } finally {
    await opened.handle.close();
  }
}

/** The file contents of one root for one search. */
export interface SearchContents {
  /** The kept content of `path` (relative to the root) when it is still the file's, else undefined. */
  known(path: string): FileContent | undefined;
  /** Reads `path` through the safe open, keeping the content when its mark held still across the read. */
  read(path: string): Promise<FileContent>;
}

/**
 * The file contents of `root` (a real path) for one search: `known` answers from memory what is
 * still current, `read` reads the rest safely and keeps it. `list` is the git file list the search
 * walks and `generation` the tree's generation taken before any read (undefined when unwatched).
 *
 * @example
 * const files = searchContents("/srv/repo", list, await treeGeneration("/srv/repo"));
 * const content = files.known("src/a.ts") ?? (await files.read("src/a.ts"));
 */
export function searchContents(root: string, list: ListedPaths, generation: number | undefined): SearchContents {
  const contents = roots.get(root) ?? { list, files: new Map<string, Kept>(), bytes: 0 };
  if (contents.list !== list) {
    // A watched tree's list is taken again after any change; what it still holds stays, each file checked as ever.
    const listed = new Set(list.paths);
    for (const path of contents.files.keys()) if (!listed.has(path)) forget(contents, path);
    contents.list = list;
  }
  // Most recently used last.
  roots.delete(root);
  roots.set(root, contents);
  const current = contents;
  return {
    known(path: string): FileContent | undefined {
      const kept = current.files.get(path);
      if (!kept) return undefined;
      if (generation !== undefined && kept.generation === generation) return kept.content;
      // root is a real path and git's paths are normalized: no join needed.
      const now = kept.racy ? undefined : markAt(`${root}/${path}`);
      if (!now || !sameMark(now, kept.mark)) return void forget(current, path);
      // Unchanged when looked at after the generation was taken: any later change moves the generation.
      kept.generation = generation;
      return kept.content;
    },
    async read(path: string): Promise<FileContent> {
      const absolute = `${root}/${path}`;
      const before = markAt(absolute);
      if (!before) return "skip";
      const { content, keepable } = await readContent(absolute, before);
      const after = keepable ? markAt(absolute) : undefined;
      if (after && sameMark(after, before) && roots.get(root) === current) {
        const racy = Date.now() - Math.max(before.mtimeMs, before.ctimeMs) < RACY_MS;
        const bytes = ENTRY_OVERHEAD_BYTES + path.length * 2 + (content instanceof Buffer ? content.length : 0);
        keep(root, current, path, { content, mark: before, racy, generation, bytes });
      }
      return content;
    },
  };
}
