/**
 * The files a complete in-process search read (search-files.ts), joined into one buffer and kept
 * for the tree generation they were read at, so the next literal search of the same files is one
 * `indexOf` over the whole text instead of a lookup and a match per file: on a small repository
 * the per-file work, not the bytes, was most of a search's time. Kept only for a watched tree
 * (repo-watch.ts), whose generation moves with any change under the root, so a kept corpus is
 * never older than the files; a tree without a watch is searched file by file as before.
 */
import { generationMemo } from "./generation-memo.ts";

/** A corpus larger than this is not kept: it copies the bytes the content cache already holds. */
export const MAX_CORPUS_BYTES = 4 * 1024 * 1024;

/** The files of one search, in the order searched, as one buffer. */
interface Corpus {
  /** The searchable list the files were chosen from (search-files.ts): a new list is a new corpus. */
  list: readonly string[];
  text: Buffer;
  paths: string[];
  /** Where each file starts in `text`; one more entry than `paths`, the end. */
  starts: number[];
}

/** Per root and `shownKey` (which files of the list were wanted: blocked globs, hidden files, the base searched). */
const corpora = generationMemo<Corpus>({ entries: 4, bytes: 4 * MAX_CORPUS_BYTES, sizeOf: (corpus) => corpus.text.length });

/** The corpus of `root` for these files at this generation, or undefined when none is kept for them. */
export function keptCorpus(root: string, list: readonly string[], shownKey: string, generation: number | undefined): Corpus | undefined {
  const corpus = corpora.get(`${root}\0${shownKey}`, generation);
  return corpus?.list === list ? corpus : undefined;
}

/**
 * Keeps the files `read` (every file the search wanted that git would search, in order) as the
 * corpus of `root` at `generation`, the one taken before any of them was read. Nothing is kept
 * for an unwatched tree or past MAX_CORPUS_BYTES.
 */
export function keepCorpus(
  root: string,
  key: { list: readonly string[]; shownKey: string; generation: number | undefined },
  read: ReadonlyArray<{ path: string; data: Buffer }>,
): void {
  const starts = [0];
  for (const file of read) starts.push(starts.at(-1)! + file.data.length);
  if (key.generation === undefined || starts.at(-1)! > MAX_CORPUS_BYTES) return;
  const text = Buffer.concat(
    read.map((file) => file.data),
    starts.at(-1)!,
  );
  corpora.set(`${root}\0${key.shownKey}`, key.generation, { list: key.list, text, paths: read.map((file) => file.path), starts });
}

/** The index of the file holding byte `at` of the corpus. */
function fileAt(corpus: Corpus, at: number): number {
  let low = 0;
  let high = corpus.paths.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (corpus.starts[middle]! <= at) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * The first `limit` lines holding `needle`, in file order: each hit in the joined text names its
 * file, which `linesIn` matches on its own bytes (a hit across the end of one file and the start
 * of the next finds nothing there), and the scan goes on at the next file.
 */
export function corpusLines<Line>(
  corpus: Corpus,
  needle: Buffer,
  limit: number,
  linesIn: (data: Buffer, needle: Buffer, limit: number) => Line[],
): Array<Line & { path: string }> {
  const found: Array<Line & { path: string }> = [];
  for (let at = corpus.text.indexOf(needle); at !== -1 && found.length < limit; ) {
    const file = fileAt(corpus, at);
    const end = corpus.starts[file + 1]!;
    const path = corpus.paths[file]!;
    for (const line of linesIn(corpus.text.subarray(corpus.starts[file], end), needle, limit - found.length)) found.push({ path, ...line });
    at = end >= corpus.text.length ? -1 : corpus.text.indexOf(needle, end);
  }
  return found;
}
