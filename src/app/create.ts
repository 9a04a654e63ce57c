import { join } from "node:path";
import type { Config } from "../config/index.ts";
import { createJobRuntime, type JobRuntimeOptions } from "../jobs/index.ts";
import { createAuditLog, type AuditEntry } from "../log/audit.ts";
import { log, redactLogLines } from "../log/index.ts";
import { createActivityFeed } from "../mcp/activity.ts";
import type { Endpoint } from "../mcp/services.ts";
import { createMessaging } from "../messaging/index.ts";
import { createRedactor } from "../redact/index.ts";
import type { RecordStore } from "../state/index.ts";
import type { AppContext } from "./context.ts";
import { jobActivity } from "./job-activity.ts";

export interface AppParts {
  version: string;
  home: string;
  config: Config;
  store: RecordStore;
  /** The HTTP token, when one is set: redacted even if its variable's name does not look secret. */
  token?: string;
  activeSessions: () => number;
  endpoints: () => Endpoint[];
  /** Whose secret-named variables are redacted; the process's environment by default. */
  env?: Record<string, string | undefined>;
  /**
   * Where audit entries go instead of logging.audit_file (tests, benchmarks). An app given one
   * does not own the process, so it leaves the process log's redaction alone.
   */
  audit?: (entry: AuditEntry) => void;
}

/**
 * The one assembly of patchbay: the redactor, the audit log, the job runtime and messaging, for
 * the server (`patchbay start`), `stdio --standalone` and in-process test harnesses alike. The
 * caller owns the store and the lifecycle (`jobs.recover()`, `messaging.start()`, closing).
 *
 * @example
 * const app = createApp({ version, home, config, store, activeSessions: () => 1, endpoints: () => [] });
 */
export function createApp(parts: AppParts): AppContext {
  const { home, config, store } = parts;
  // The redactor hides values of secret-named variables; naming the token so covers any auth.token_env.
  const redactor = createRedactor({ ...(parts.env ?? process.env), PATCHBAY_ACTIVE_HTTP_TOKEN: parts.token });
  const redact = (value: unknown) => (typeof value === "string" ? redactor.redact(value) : redactor.redactDeep(value));
  const activity = createActivityFeed();
  const auditSink = parts.audit ?? processAudit(home, config, redactor.redact);
  const auditListeners = new Set<(entry: AuditEntry) => void>();
  const onProgress: JobRuntimeOptions["onProgress"] = (progress, record) => {
    const event = jobActivity(progress, record);
    if (event) activity.publish(event);
  };
  return {
    version: parts.version,
    home,
    config,
    startedAt: new Date(),
    store,
    jobs: createJobRuntime({ home, config, store, redact: redactor.redact, onProgress }),
    messaging: createMessaging({ store, config, home }),
    redact,
    activeSessions: parts.activeSessions,
    endpoints: parts.endpoints,
    audit(entry) {
      auditSink(entry);
      for (const listener of [...auditListeners]) listener(entry);
    },
    onAudit(listener) {
      auditListeners.add(listener);
      return () => void auditListeners.delete(listener);
    },
    activity,
  };
}

/** The owner process's audit: logging.audit_file, with the process log redacted like tool results. */
function processAudit(home: string, config: Config, redact: (text: string) => string): (entry: AuditEntry) => void {
  redactLogLines(redact);
  const auditFile = config.logging.audit_file || join(home, "logs", "audit.log");
  const audit = createAuditLog(auditFile, (error) => log.warn(`cannot write the audit log ${auditFile}: ${error.message}`));
  return (entry) => audit.record(entry);
}
