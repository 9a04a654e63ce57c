import type { Config } from "../config/index.ts";
import type { AuditEntry } from "../log/audit.ts";
import type { RecordStore } from "../state/index.ts";
import type { ActivityFeed } from "./activity.ts";

/** An address the server can be reached at, with any token already redacted. */
export interface Endpoint {
  kind: "http" | "relay";
  url: string;
}

/**
 * What a tool handler reaches through `context.app`: the parts of the application (src/app) the
 * MCP kit itself knows. A capability adds its own runtime here by declaration merging in its own
 * folder (jobs/runtime.ts adds `jobs`), so this kit never imports a capability.
 */
export interface AppServices {
  readonly version: string;
  readonly home: string;
  readonly config: Config;
  readonly startedAt: Date;
  readonly store: RecordStore;
  /** Secrets replaced by `[redacted]` in any string inside `value`. */
  redact(value: unknown): unknown;
  activeSessions(): number;
  endpoints(): Endpoint[];
  /** Appends one line per tool call to the audit log (logging.audit_file). */
  audit(entry: AuditEntry): void;
  /** Server events a host would show its user, for each session's MCP log (logging.ts). */
  readonly activity?: ActivityFeed;
}
