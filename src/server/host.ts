import { join } from "node:path";
import type { Config } from "../config/index.ts";
import { createAuditLog } from "../log/audit.ts";
import { log, redactLogLines } from "../log/index.ts";
import type { JobRuntime } from "../jobs/index.ts";
import type { Messaging } from "../messaging/index.ts";
import type { Endpoint, McpHost } from "../mcp/index.ts";
import { createRedactor, type RecordStore } from "../state/index.ts";

export interface HostParts {
  version: string;
  home: string;
  config: Config;
  store: RecordStore;
  jobs: JobRuntime;
  messaging: Messaging;
  /** The HTTP token, when one is set: redacted even if its variable's name does not look secret. */
  token?: string;
  activeSessions: () => number;
  endpoints: () => Endpoint[];
}

/** The McpHost of the process that owns the state. */
export function createHost(parts: HostParts): McpHost {
  // The redactor hides values of secret-named variables; naming the token so covers any auth.token_env.
  const redactor = createRedactor({ ...process.env, PATCHBAY_ACTIVE_HTTP_TOKEN: parts.token });
  redactLogLines(redactor.redact);
  const auditFile = parts.config.logging.audit_file || join(parts.home, "logs", "audit.log");
  const audit = createAuditLog(auditFile, (error) => log.warn(`cannot write the audit log ${auditFile}: ${error.message}`));
  return {
    version: parts.version,
    home: parts.home,
    config: parts.config,
    startedAt: new Date(),
    store: parts.store,
    jobs: parts.jobs,
    messaging: parts.messaging,
    redact: (value) => (typeof value === "string" ? redactor.redact(value) : redactor.redactDeep(value)),
    activeSessions: parts.activeSessions,
    endpoints: parts.endpoints,
    audit: (entry) => audit.record(entry),
  };
}
