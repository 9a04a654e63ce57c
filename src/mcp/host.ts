import type { Config } from "../config/index.ts";
import type { AuditEntry } from "../log/audit.ts";
import type { RecordStore } from "../state/index.ts";
import type { JobRuntime } from "../jobs/runtime.ts";
import type { Messaging } from "../messaging/index.ts";

/** An address the server can be reached at, with any token already redacted. */
export interface Endpoint {
  kind: "http" | "relay";
  url: string;
}

/**
 * What the MCP layer needs from the process that owns the state: the server (`patchbay start`,
 * or `stdio --standalone` in-process). Capabilities reach shared state only through this.
 */
export interface McpHost {
  readonly version: string;
  readonly home: string;
  readonly config: Config;
  readonly startedAt: Date;
  readonly store: RecordStore;
  /** Agent jobs: the server's runtime (queue, processes, records). */
  readonly jobs: JobRuntime;
  /** Agent messaging: identities, mailbox, presence, attachments. */
  readonly messaging: Messaging;
  /** Secrets replaced by `[redacted]` in any string inside `value`. */
  redact(value: unknown): unknown;
  activeSessions(): number;
  endpoints(): Endpoint[];
  /** Appends one line per tool call to the audit log (logging.audit_file). */
  audit(entry: AuditEntry): void;
}
