/**
 * Bounded file reads: a line range (1-based, inclusive) of a text file, cut at a byte cap on a
 * line boundary so the caller can continue from `next_start_line`. Binary files are summarized,
 * never returned.
 */
import { statSync } from "node:fs";
import { PatchbayError } from "../errors/index.ts";
import { generationMemo } from "./generation-memo.ts";
import { type FileBytes, readInside } from "./guarded-fs.ts";
import { LIMITS } from "./limits.ts";
import { missingPath } from "./near-files.ts";
import type { GuardedPath } from "./path-guard.ts";
import { treeGeneration } from "./repo-watch.ts";
import type { Workspace } from "./workspace.ts";

export interface ReadOptions {
  startLine?: number;
  endLine?: number;
  /** Bytes of content returned at most; clamped to LIMITS.readBytes. */
  maxBytes?: number;
}

export interface FileSlice {
  /** Relative to the repository root. */
  path: string;
  size: number;
  binary: boolean;
  /** True when the byte cap cut the requested lines, or they reach past what patchbay scans (SCAN_BYTES). */
  truncated: boolean;
  /** The text of lines start_line..end_line exactly as in the file; "" for a binary file. */
  content: string;
  start_line?: number;
  end_line?: number;
  /** Known when the whole file could be scanned (it is under SCAN_BYTES). */
  total_lines?: number;
  /** The line after `end_line`, when the file has one. */
  next_start_line?: number;
}

/** How much of a file is scanned to find a line range: ranges past this point are out of reach. */
const SCAN_BYTES = 16 * 1024 * 1024;

/** Offsets where each complete-or-final line of `text` starts. */
function lineStarts(text: string, complete: boolean): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  // A final line without "\n" counts only when the file really ends there (not at the scan cap).
  if (starts.at(-1) === text.length || !complete) starts.pop();
  return starts;
}

/** Cuts `content` to `maxBytes` on the last line end that fits, or mid-line (on a character) if even one line does not. */
function capBytes(content: string, maxBytes: number): { content: string; lines: number } | undefined {
  const bytes = new TextEncoder().encode(content);
  if (bytes.length <= maxBytes) return undefined;
  const lastNewline = bytes.lastIndexOf(10, maxBytes - 1);
  // A fresh streaming decoder drops a character cut in half instead of emitting U+FFFD.
  const decode = (end: number) => new TextDecoder().decode(bytes.subarray(0, end), { stream: true });
  if (lastNewline === -1) return { content: decode(maxBytes), lines: 1 };
  const kept = decode(lastNewline + 1);
  return { content: kept, lines: kept.split("\n").length - 1 };
}

function invalidRange(argument: string, message: string): PatchbayError {
  return new PatchbayError("invalid_arguments", `${argument}: ${message}`, {
    next: "pick a line range inside the file: start_line from 1 up to its last line, end_line at or after start_line",
  });
}

/** Files read whole from watched trees, for the generation they were read at (generation-memo.ts). */
const keptReads = generationMemo<FileBytes>({ entries: 256, bytes: 16 * 1024 * 1024, sizeOf: (file) => file.bytes.length });
/** A larger file is read afresh each time: one read would take a sixteenth of the bound. */
const KEEP_FILES_UP_TO = 1024 * 1024;

/** Reads the file at `target` through the safe open, and keeps a whole small one for `generation`. */
async function readFresh(root: string, target: GuardedPath, generation: number | undefined): Promise<FileBytes> {
  // Opening a FIFO for reading blocks until a writer appears: refuse anything but a file first.
  if (!statSync(target.absolute).isFile())
    throw new PatchbayError("not_a_file", `${target.relative} is not a regular file`, { next: "read files; list directories with codex_repo_tree" });
  const file = await readInside(root, target.absolute, SCAN_BYTES);
  if (file.size <= KEEP_FILES_UP_TO) keptReads.set(target.absolute, generation, file);
  return file;
}

/**
 * Reads lines `startLine..endLine` of a file through the workspace guard, returning at most
 * `maxBytes` of content. Refuses escapes, blocked paths, symlinks out and non-files.
 *
 * @example
 * const slice = await readFileSlice(ws, "src/app.ts", { startLine: 10, endLine: 40 });
 * if (slice.truncated) console.log(`continue at line ${slice.next_start_line}`);
 */
export async function readFileSlice(ws: Workspace, filePath: string, options: ReadOptions = {}): Promise<FileSlice> {
  // Taken before the path is resolved or the file read, so what they find can be kept on it.
  const generation = await treeGeneration(ws.root, { onlyWithRoom: true });
  const target = await ws.guard(filePath, { generation });
  if (!target.exists) throw await missingPath(ws, target.relative, "read the file meant, or find it with codex_repo_tree or codex_search_repo");
  const maxBytes = Math.max(1, Math.min(options.maxBytes ?? LIMITS.readBytes, LIMITS.readBytes));
  const file = keptReads.get(target.absolute, generation) ?? (await readFresh(ws.root, target, generation));
  if (file.binary) return { path: target.relative, size: file.size, binary: true, truncated: false, content: "" };

  const text = new TextDecoder().decode(file.bytes);
  const starts = lineStarts(text, !file.truncated);
  const known = file.truncated ? undefined : starts.length;
  const start = options.startLine ?? 1;
  if (options.endLine !== undefined && options.endLine < start) throw invalidRange("end_line", `${options.endLine} is before start_line ${start}`);
  if (start > Math.max(starts.length, 1)) {
    throw file.truncated
      ? new PatchbayError("file_too_large", `${target.relative}: line ${start} lies past the first ${SCAN_BYTES} bytes, which is as far as patchbay reads`, {
          next: "find the place with codex_search_repo, or read an earlier range",
        })
      : invalidRange("start_line", `${start} is past the end of ${target.relative} (${starts.length} ${starts.length === 1 ? "line" : "lines"})`);
  }
  const end = Math.min(options.endLine ?? Number.POSITIVE_INFINITY, starts.length);
  // When the scan stopped mid-file, the readable text ends after the last complete line.
  const stop = file.truncated ? text.lastIndexOf("\n") + 1 : text.length;
  const selected = text.slice(starts[start - 1] ?? 0, starts[end] ?? stop);
  const capped = capBytes(selected, maxBytes);
  const lastLine = capped ? start + capped.lines - 1 : end;
  const beyondScan = file.truncated && (options.endLine === undefined || options.endLine > starts.length);
  const truncated = capped !== undefined || beyondScan;
  return {
    path: target.relative,
    size: file.size,
    binary: false,
    truncated,
    content: capped?.content ?? selected,
    start_line: start,
    end_line: lastLine,
    ...(known !== undefined && { total_lines: known }),
    ...(lastLine < starts.length && { next_start_line: lastLine + 1 }),
  };
}
