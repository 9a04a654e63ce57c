/**
 * The run folder's log of a turn a phase runs itself (no job): the agent's stdout and its stderr
 * (marked `[stderr] `), redacted a whole line at a time so a secret split across two chunks still
 * matches, and without the stdout lines the adapter calls quiet (claude's per-token stream
 * events), as the job log leaves them out. The file has no size cap, so those lines would grow it
 * by a line every few tokens.
 */
import { appendFile } from "node:fs/promises";
import { withoutQuiet, type LogStream } from "../jobs/index.ts";

/** A line this long without its newline yet is written as it is rather than held. */
const MAX_HELD_CHARS = 64 * 1024;

export interface PhaseLog {
  write(stream: LogStream, chunk: string): void;
  /** Writes what is left of the last lines; resolves once everything is appended. */
  close(): Promise<void>;
}

export function openPhaseLog(file: string, redact: (text: string) => string, quietLine?: (line: string) => boolean): PhaseLog {
  const held: Record<LogStream, string> = { stdout: "", stderr: "" };
  let writes = Promise.resolve();
  const append = (stream: LogStream, lines: string) => {
    const kept = stream === "stdout" ? withoutQuiet(lines, quietLine) : lines.replace(/^(?=[^\n])/gm, "[stderr] ");
    if (kept) writes = writes.then(() => appendFile(file, redact(kept))).catch(() => {});
  };
  return {
    write(stream, chunk) {
      const text = held[stream] + chunk;
      const cut = text.length > MAX_HELD_CHARS ? text.length : text.lastIndexOf("\n") + 1;
      held[stream] = text.slice(cut);
      if (cut > 0) append(stream, text.slice(0, cut));
    },
    async close() {
      for (const stream of ["stdout", "stderr"] as const) {
        if (held[stream]) append(stream, `${held[stream]}\n`);
        held[stream] = "";
      }
      await writes;
    },
  };
}
