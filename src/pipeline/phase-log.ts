/**
 * The run folder's log of a turn a phase runs itself (no job): the agent's stdout and its stderr
 * (marked `[stderr] `), redacted a whole line at a time so a secret split across two chunks still
 * matches, and without the stdout lines the adapter calls quiet (claude's per-token stream
 * events), as the job log leaves them out. The file has no size cap, so those lines would grow it
 * by a line every few tokens.
 */
import { appendFile } from "node:fs/promises";
import { createLineCutter, type LogStream } from "../jobs/index.ts";

/** A line this long without its newline yet is cut (see createLineCutter): the file has no cap, the memory held has. */
const MAX_HELD_CHARS = 1024 * 1024;

export interface PhaseLog {
  write(stream: LogStream, chunk: string): void;
  /** Writes what is left of the last lines; resolves once everything is appended. */
  close(): Promise<void>;
}

export function openPhaseLog(file: string, redact: (text: string) => string, quietLine?: (line: string) => boolean): PhaseLog {
  const lines = { stdout: createLineCutter(MAX_HELD_CHARS, quietLine), stderr: createLineCutter(MAX_HELD_CHARS) };
  let writes = Promise.resolve();
  const append = (stream: LogStream, text: string) => {
    const kept = stream === "stdout" ? text : text.replace(/^(?=[^\n])/gm, "[stderr] ");
    if (kept) writes = writes.then(() => appendFile(file, redact(kept))).catch(() => {});
  };
  return {
    write(stream, chunk) {
      append(stream, lines[stream].push(chunk));
    },
    async close() {
      for (const stream of ["stdout", "stderr"] as const) {
        const last = lines[stream].end();
        if (last) append(stream, `${last}\n`);
      }
      await writes;
    },
  };
}
