import type { JobRuntime } from "../jobs/index.ts";
import type { AuditEntry } from "../log/audit.ts";
import type { Messaging } from "../messaging/index.ts";
import type { AppServices } from "../mcp/services.ts";

/**
 * The application as the process that owns the state assembled it (`createApp`): what the MCP kit
 * and every tool reach as `context.app`, plus the capability runtimes the server starts and stops.
 */
export interface AppContext extends AppServices {
  /** Agent jobs: the server's runtime (queue, processes, records). */
  readonly jobs: JobRuntime;
  /** Agent messaging: identities, mailbox, presence, attachments. */
  readonly messaging: Messaging;
  /**
   * Hears every audited tool call after its line is written: the one point every tool call of
   * any session passes, so the board knows the state may have changed. The result unsubscribes.
   */
  onAudit(listener: (entry: AuditEntry) => void): () => void;
}
