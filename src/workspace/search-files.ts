/**
 * A literal search in this process: git's kept file list (file-list.ts), each file read and
 * matched here, instead of a `git grep` spawn that costs several times the whole search on a small
 * repository (200 files: about 3 ms to read and match against 14 ms or more for the spawn), and
 * that on a large one walks the whole tree before its first match. It answers what
 * `git grep -F -I --untracked --exclude-standard` answers: the files git's walk finds (tracked or
 * not, never an ignored one, even tracked; never a symlink), binaries (a NUL in the first 8,000
 * bytes) skipped, in git's path order. Of a large repository it reads only a share (budget below).
 * Anything where git would decide differently (a regex, which never runs in this process; a glob;
 * attributes that can mark files binary; a root below the top; a file over 1 MiB) or an answer not
 * complete within the budget answers undefined: git searches. Searched again while the tree is
 * unchanged, the same files are matched joined in one buffer (search-corpus.ts).
 */
import { promises as fsp } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type FileList, gitFileListAt } from "./file-list.ts";
import { runGit } from "./git.ts";
import { findGitRepo } from "./git-repo.ts";
import { treeGeneration } from "./repo-watch.ts";
import { type FileContent, type SearchContents, searchContents } from "./search-content-cache.ts";
import { corpusLines, keepCorpus, keptCorpus } from "./search-corpus.ts";

/**
 * Files read in process at most: all of them up to this many, else a tenth of the repository.
 * When the answer is full by then (a common word), git never walks the whole tree; otherwise git
 * searches, its threads reading faster than one event loop (in process against git grep, calls
 * alternating: 200 files 4.5× faster, 1,000 files even).
 */
const READ_ALL_UP_TO = 500;
const READ_SHARE = 0.1;
/** Files read before the rate of matches so far is trusted to judge the budget. */
const PROJECT_AFTER = 64;
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

/** git's order is by bytes; UTF-16 order agrees with UTF-8's below the surrogates. */
const HIGH_CHARS = /[\uD800-\uFFFF]/;
const codeUnitOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The files git grep would read, in its order; null when attributes may mark some binary. The
 * attribute files outside the work tree are among the sources the kept list watches, so the
 * verdict holds as long as the list.
 */
async function searchableFiles(root: string, list: FileList, signal?: AbortSignal): Promise<string[] | null> {
  if (list.paths.some((path) => path === ".gitattributes" || path.endsWith("/.gitattributes")) || (await attributesElsewhere(root))) return null;
  const [ignoredTracked, attributesFile] = await Promise.all([
    runGit(root, ["ls-files", "--cached", "--ignored", "--exclude-standard", "-z"], { signal }),
    runGit(root, ["config", "--get", "core.attributesFile"], { signal }),
  ]);
  if (ignoredTracked.code !== 0 || attributesFile.code === 0) return null;
  const ignored = new Set(ignoredTracked.stdout.split("\0"));
  const files = list.paths.filter((path) => !path.endsWith("/") && !ignored.has(path));
  return files.sort(files.some((path) => HIGH_CHARS.test(path)) ? byteOrder : codeUnitOrder);
}

/** Per searchable list and `shownKey`: isShown's verdict on each path asked (the blocked-glob test costs more than reading a small file). */
const verdictsByFiles = new WeakMap<readonly string[], Map<string, Map<string, boolean>>>();
const KEYS_PER_LIST = 8;

/**
 * The files under `base` that `isShown` lets through, in order, each judged once per list, handed
 * out `count` at a time: a search that has its answer early judges no more. A plain cursor, not a
 * generator: resuming one per file was a tenth of a small repository's search.
 */
function wantedFiles(files: readonly string[], base: string, isShown: (path: string) => boolean, shownKey: string): (count: number) => string[] {
  const byKey = verdictsByFiles.get(files) ?? new Map<string, Map<string, boolean>>();
  verdictsByFiles.set(files, byKey);
  let verdicts = byKey.get(shownKey);
  if (!verdicts) {
    if (byKey.size >= KEYS_PER_LIST) byKey.delete(byKey.keys().next().value as string);
    byKey.set(shownKey, (verdicts = new Map()));
  }
  const judged = verdicts;
  const prefix = base === "" ? "" : `${base}/`;
  let next = 0;
  return (count) => {
    const batch: string[] = [];
    while (batch.length < count && next < files.length) {
      const path = files[next++]!;
      if (path !== base && !path.startsWith(prefix)) continue;
      let shown = judged.get(path);
      if (shown === undefined) judged.set(path, (shown = isShown(path)));
      if (shown) batch.push(path);
    }
    return batch;
  };
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

/** The first `limit` matching lines of `data` (one record per line, its first match's column). */
function linesWith(data: Buffer, needle: Buffer, limit: number): Array<Omit<FoundLine, "path">> {
  const found: Array<Omit<FoundLine, "path">> = [];
  let line = 1;
  let counted = 0;
  for (let at = data.indexOf(needle); at !== -1 && at < data.length; at = data.indexOf(needle, at)) {
    const start = at === 0 ? 0 : data.lastIndexOf(10, at - 1) + 1;
    for (let newline = data.indexOf(10, counted); newline !== -1 && newline < start; newline = data.indexOf(10, newline + 1)) line++;
    counted = start;
    const end = data.indexOf(10, at);
    found.push({ line, column: at - start + 1, text: data.toString("utf8", start, end === -1 ? data.length : end) });
    if (end === -1 || found.length >= limit) break;
    at = end + 1;
  }
  return found;
}

/** The contents of `paths`: from memory where still current (no promise per file), the rest read. */
async function contentsOf(contents: SearchContents, paths: readonly string[]): Promise<FileContent[]> {
  const known = paths.map((path) => contents.known(path));
  if (!known.includes(undefined)) return known as FileContent[];
  return Promise.all(known.map((content, at) => content ?? contents.read(paths[at]!)));
}

/**
 * The lines holding `query` literally in the files under `base` that `isShown` keeps, in path
 * order, stopping once more than `enough` are found; undefined when git must search.
 */
export async function searchFilesInProcess(
  root: string,
  options: { query: string; base: string; isShown: (path: string) => boolean; shownKey: string; enough: number; signal?: AbortSignal },
): Promise<FoundLine[] | undefined> {
  if (options.query === "") return undefined;
  // Taken first: what the repository check and the file list find can stand on it.
  const taken = await treeGeneration(root);
  if ((await findGitRepo(root, options.signal, taken))?.prefix !== "") return undefined;
  const listed = await gitFileListAt(root, options.signal, taken);
  if ("error" in listed || listed.list.truncated) return undefined;
  const { list, generation } = listed;
  let searchable = searchableByList.get(list);
  if (!searchable) {
    searchable = searchableFiles(root, list, options.signal);
    // Kept only once answered: a cancelled or timed-out git call must not fail every later search of this list.
    searchable.catch(() => searchableByList.delete(list));
    searchableByList.set(list, searchable);
  }
  const files = await searchable;
  if (!files) return undefined;
  const needle = Buffer.from(options.query, "utf8");
  const corpus = keptCorpus(root, files, options.shownKey, generation);
  if (corpus) return corpusLines(corpus, needle, options.enough + 1, linesWith);
  // The list's generation was taken before git or this search read anything, so what is read now can be kept on it.
  const contents = searchContents(root, list, generation);
  const nextWanted = wantedFiles(files, options.base, options.isShown, options.shownKey);
  const lines: FoundLine[] = [];
  const read: Array<{ path: string; data: Buffer }> = [];
  const budget = files.length <= READ_ALL_UP_TO ? files.length : Math.max(READ_ALL_UP_TO, Math.ceil(files.length * READ_SHARE));
  for (let searched = 0; ; searched += READ_BATCH) {
    const batch = nextWanted(READ_BATCH);
    if (batch.length === 0) {
      // Every wanted file was searched: the next search of them, while nothing changes, is one match over them all.
      keepCorpus(root, { list: files, shownKey: options.shownKey, generation }, read);
      return lines;
    }
    if (searched + batch.length > budget || pastBudget(searched, lines.length, options.enough + 1, budget, files.length)) return undefined;
    const batchContents = await contentsOf(contents, batch);
    if (batchContents.includes("git")) return undefined;
    for (const [at, data] of batchContents.entries()) {
      if (!(data instanceof Buffer)) continue;
      read.push({ path: batch[at]!, data });
      for (const found of linesWith(data, needle, options.enough + 1 - lines.length)) lines.push({ path: batch[at]!, ...found });
      if (lines.length > options.enough) return lines;
    }
  }
}

/**
 * Whether, at the rate matches came so far, the answer needs more files than the budget: then git
 * takes over now rather than after the whole budget was read (a rare word in a large repository).
 */
function pastBudget(read: number, found: number, needed: number, budget: number, total: number): boolean {
  if (budget === total || read < PROJECT_AFTER) return false;
  return read + ((needed - found) * read) / Math.max(found, 1) > budget;
}
