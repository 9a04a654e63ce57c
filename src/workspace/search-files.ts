/**
 * A literal search of a small repository in this process: git's kept file list (file-list.ts),
 * each file read and matched here, instead of a `git grep` spawn that costs several times the whole
 * search (200 files: about 3 ms to read and match against 14 ms or more for the spawn). It answers
 * what `git grep -F -I --untracked --exclude-standard` answers: the files git's walk finds (tracked
 * or not, never an ignored one, even tracked; never a symlink), binaries (a NUL in the first 8,000
 * bytes) skipped, in git's path order. Anything where git would decide differently or this would
 * cost more (a regex, which never runs in this process; a glob; attributes that can mark files
 * binary; a root below the top; a large file or repository) answers undefined: git searches.
 */
import { constants, promises as fsp } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type FileList, gitFileList } from "./file-list.ts";
import { runGit } from "./git.ts";
import { findGitRepo } from "./git-repo.ts";

/** Files at most: beyond them git's threads read faster than one event loop. */
export const IN_PROCESS_MAX_FILES = 2000;
/** A larger file sends the search to git, which streams it. */
const MAX_FILE_BYTES = 1024 * 1024;
/** git's binary test: a NUL among the first bytes (buffer_is_binary). */
const BINARY_PROBE_BYTES = 8000;
const READ_BATCH = 64;

export interface FoundLine {
  path: string;
  line: number;
  /** 1-based byte column of the match, as `git grep --column`. */
  column: number;
  text: string;
}

/** Per kept list: the files git grep would read, in its order, or null when git must decide (attributes). */
const searchableByList = new WeakMap<FileList, Promise<string[] | null>>();

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function searchableFiles(root: string, list: FileList, signal?: AbortSignal): Promise<string[] | null> {
  if (list.paths.some((path) => path === ".gitattributes" || path.endsWith("/.gitattributes"))) return null;
  const [ignoredTracked, attributesFile] = await Promise.all([
    runGit(root, ["ls-files", "--cached", "--ignored", "--exclude-standard", "-z"], { signal }),
    runGit(root, ["config", "--get", "core.attributesFile"], { signal }),
  ]);
  if (ignoredTracked.code !== 0 || attributesFile.code === 0) return null;
  const ignored = new Set(ignoredTracked.stdout.split("\0"));
  return list.paths.filter((path) => !path.endsWith("/") && !ignored.has(path)).sort(byteOrder);
}

/** Per searchable list: the files under a base that pass `isShown` (the blocked-glob test costs more than reading 200 small files), by base and `shownKey`. */
const wantedByFiles = new WeakMap<readonly string[], Map<string, string[]>>();
const WANTED_PER_LIST = 8;

function wantedFiles(files: readonly string[], base: string, isShown: (path: string) => boolean, shownKey: string): string[] {
  const memo = wantedByFiles.get(files) ?? new Map<string, string[]>();
  wantedByFiles.set(files, memo);
  const key = `${base}\0${shownKey}`;
  let wanted = memo.get(key);
  if (wanted) return wanted;
  const prefix = base === "" ? "" : `${base}/`;
  wanted = files.filter((path) => (path === base || path.startsWith(prefix)) && isShown(path));
  if (memo.size >= WANTED_PER_LIST) memo.delete(memo.keys().next().value as string);
  memo.set(key, wanted);
  return wanted;
}

/** True unless `.git` is a plain directory without info/attributes and the user has no attributes file: then git decides. */
async function attributesElsewhere(root: string): Promise<boolean> {
  const dotGit = await fsp.lstat(join(root, ".git")).catch(() => undefined);
  if (!dotGit?.isDirectory()) return true;
  const xdg = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  const found = await Promise.all(
    [join(root, ".git", "info", "attributes"), join(xdg, "git", "attributes")].map((path) =>
      fsp.lstat(path).then(
        () => true,
        () => false,
      ),
    ),
  );
  return found.includes(true);
}

/** Every matching line of `data` (one record per line, its first match's column). */
function* linesWith(data: Buffer, needle: Buffer): Generator<Omit<FoundLine, "path">> {
  let line = 1;
  let counted = 0;
  for (let at = data.indexOf(needle); at !== -1 && at < data.length; at = data.indexOf(needle, at)) {
    const start = at === 0 ? 0 : data.lastIndexOf(10, at - 1) + 1;
    for (let newline = data.indexOf(10, counted); newline !== -1 && newline < start; newline = data.indexOf(10, newline + 1)) line++;
    counted = start;
    const end = data.indexOf(10, at);
    yield { line, column: at - start + 1, text: data.toString("utf8", start, end === -1 ? data.length : end) };
    if (end === -1) return;
    at = end + 1;
  }
}

/** The file's bytes when git grep would search it; "git" when git must (too large); undefined to skip it. */
async function readSearchable(path: string): Promise<Buffer | "git" | undefined> {
  // O_NOFOLLOW: a file swapped for a symlink since git listed it is not read through.
  // O_NONBLOCK: a FIFO put in its place must not hold the open until a writer comes; git skips it.
  const handle = await fsp.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > MAX_FILE_BYTES) return "git";
    const data = await handle.readFile();
    return data.subarray(0, BINARY_PROBE_BYTES).includes(0) ? undefined : data;
  } finally {
    await handle.close();
  }
}

/**
 * The lines holding `query` literally in the files under `base` that `isShown` keeps, in path
 * order, stopping once more than `enough` are found (`stopped`); undefined when git must search.
 */
export async function searchFilesInProcess(
  root: string,
  options: { query: string; base: string; isShown: (path: string) => boolean; shownKey: string; enough: number; signal?: AbortSignal },
): Promise<{ lines: FoundLine[]; stopped: boolean } | undefined> {
  if (options.query === "" || (await findGitRepo(root, options.signal))?.prefix !== "") return undefined;
  const list = await gitFileList(root, options.signal);
  if ("error" in list || list.truncated || list.paths.length > IN_PROCESS_MAX_FILES) return undefined;
  let searchable = searchableByList.get(list);
  if (!searchable) searchableByList.set(list, (searchable = searchableFiles(root, list, options.signal)));
  const files = await searchable;
  if (!files || (await attributesElsewhere(root))) return undefined;
  const wanted = wantedFiles(files, options.base, options.isShown, options.shownKey);
  const needle = Buffer.from(options.query, "utf8");
  const lines: FoundLine[] = [];
  for (let from = 0; from < wanted.length; from += READ_BATCH) {
    const batch = wanted.slice(from, from + READ_BATCH);
    const contents = await Promise.all(batch.map((path) => readSearchable(join(root, path))));
    if (contents.includes("git")) return undefined;
    for (const [at, data] of contents.entries()) {
      if (!(data instanceof Buffer)) continue;
      for (const found of linesWith(data, needle)) {
        lines.push({ path: batch[at]!, ...found });
        if (lines.length > options.enough) return { lines, stopped: true };
      }
    }
  }
  return { lines, stopped: false };
}
