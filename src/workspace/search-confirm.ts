/**
 * git grep's lines are shown only as the file itself holds them: git opens each file by its path,
 * so a directory swapped for a symlink out of the repository, or a file swapped with a hard link
 * to one outside, while git reads lets it print outside lines, and checking the path afterwards
 * sees whatever is in place by then. Each matching file is opened again the safe way (its own
 * path, one link: open-inside.ts), and a line is kept only when that file has the same text at
 * the same line number. Unchanged files give git's answer unchanged.
 */
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { openFileInside } from "./open-inside.ts";

const CHUNK_BYTES = 64 * 1024;

/** Lines 1..`upTo` of the open file (fewer when it is shorter), decoded as git's output is. */
async function leadingLines(handle: FileHandle, upTo: number): Promise<string[]> {
  const lines: string[] = [];
  let partial: Buffer[] = [];
  const chunk = Buffer.alloc(CHUNK_BYTES);
  for (let position = 0; lines.length < upTo; ) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let from = 0;
    for (let newline = chunk.indexOf(10, from); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(10, from)) {
      lines.push(Buffer.concat([...partial, chunk.subarray(from, newline)]).toString("utf8"));
      partial = [];
      from = newline + 1;
    }
    partial.push(Buffer.from(chunk.subarray(from, bytesRead)));
  }
  if (lines.length < upTo && partial.length > 0) lines.push(Buffer.concat(partial).toString("utf8"));
  return lines;
}

/** The line numbers of `wanted` (line → git's text) that the file at `path` really holds. */
async function confirmFile(path: string, wanted: ReadonlyMap<number, string>): Promise<Set<number>> {
  const opened = await openFileInside(path);
  if (!opened) return new Set();
  try {
    const lines = await leadingLines(opened.handle, Math.max(...wanted.keys()));
    return new Set([...wanted].filter(([line, text]) => lines[line - 1] === text).map(([line]) => line));
  } catch {
    return new Set();
  } finally {
    await opened.handle.close();
  }
}

/**
 * A check of git's records below `root`: true when the file at the record's path, opened safely,
 * has the record's text at its line. Each file is read once, at the first record asked of it.
 *
 * @example
 * const confirmed = lineConfirmer("/srv/repo", records);
 * const verdicts = await Promise.all(records.map(confirmed));
 * const shown = records.filter((_, at) => verdicts[at]);
 */
export function lineConfirmer(
  root: string,
  records: readonly { path: string; line: number; text: string }[],
): (record: { path: string; line: number }) => Promise<boolean> {
  const wanted = new Map<string, Map<number, string>>();
  for (const record of records) {
    const lines = wanted.get(record.path) ?? new Map<number, string>();
    wanted.set(record.path, lines.set(record.line, record.text));
  }
  const verdicts = new Map<string, Promise<Set<number>>>();
  return async (record) => {
    let verdict = verdicts.get(record.path);
    if (!verdict) verdicts.set(record.path, (verdict = confirmFile(join(root, record.path), wanted.get(record.path) ?? new Map())));
    return (await verdict).has(record.line);
  };
}
