import { appendFile, mkdir } from "node:fs/promises";
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
 * An append-only JSON-lines file (0600), written in call order; a failing write is reported once
 * and never fails a tool call.
 */
export function createAuditLog(file: string, onError: (error: Error) => void): AuditLog {
  // One write at a time, in call order: concurrent appends could land out of order.
  let tail: Promise<unknown> = mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let reported = false;
  const report = (error: Error) => {
    if (!reported) onError(error);
    reported = true;
  };
  return {
    record(entry) {
      const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
      tail = tail.catch(report).then(() => appendFile(file, line, { mode: 0o600 }));
      tail.catch(report);
    },
  };
}
