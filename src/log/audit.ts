import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** One tool call, as the audit log keeps it: who, what, where, how it ended. Never arguments or results. */
export interface AuditEntry {
  client_ref: string;
  tool: string;
  repo: string | null;
  outcome: "ok" | "error";
  error_code?: string;
  duration_ms: number;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
}

/**
 * How long lines wait to share one append. An append per call (open, write, close) cost the
 * server's CPU right when the client needed it on a busy machine (docs/benchmarks.md).
 */
const FLUSH_AFTER_MS = 100;

/**
 * An append-only JSON-lines file (0600), in call order; a failing write is reported once and never
 * fails a tool call. Lines are batched: the calls of the next FLUSH_AFTER_MS become one append, made
 * off the answers' path, and the process writes whatever is still queued as it exits, so a clean
 * shutdown (`stop`, SIGTERM, end of stdin) loses no line; a killed process loses at most that
 * window's lines. The append is synchronous, so no write is ever half-way when the process ends.
 * A line is written out (JSON) at the flush too, not while its call's answer waits.
 */
export function createAuditLog(file: string, onError: (error: Error) => void): AuditLog {
  let pending: Array<AuditEntry & { time: string }> = [];
  let scheduled = false;
  let ready = false;
  let reported = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.map((entry) => `${JSON.stringify(entry)}\n`).join("");
    pending = [];
    process.off("exit", flush);
    try {
      if (!ready) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      ready = true;
      appendFileSync(file, text, { mode: 0o600 });
    } catch (error) {
      if (!reported) onError(error as Error);
      reported = true;
    }
  };
  return {
    record(entry) {
      // The exit hook is held only while lines wait, so a process that builds many apps (tests) does not pile them up.
      if (pending.length === 0) process.on("exit", flush);
      pending.push({ time: new Date().toISOString(), ...entry });
      if (scheduled) return;
      scheduled = true;
      // Unref'd: pending lines never keep a process alive; the exit hook writes them.
      setTimeout(flush, FLUSH_AFTER_MS).unref();
    },
  };
}
