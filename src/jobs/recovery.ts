/**
 * Start-up recovery: a job a dead server left `running` or `pending` becomes `interrupted`, once
 * server.stale_running_job_grace_seconds have passed since its record last changed. Its logs and
 * session id stay, so the session can be resumed. An agent that outlived its server (agents run
 * in their own process group) is stopped first: nobody would collect its work.
 */
import { killGroup } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { log } from "../log/index.ts";
import { isProcessAlive, processStartTime, type RecordStore, type StoredRecord } from "../state/index.ts";
import { appendEvent, type JobRecord } from "./record.ts";

export interface RecoveryOptions {
  store: RecordStore;
  config: Config;
  /** Jobs of this server, never touched. */
  skip: (id: string) => boolean;
}

function stopOrphan(pid: number | undefined, started: string | undefined): void {
  if (!pid || !isProcessAlive(pid)) return;
  // A pid reused by an unrelated process since: not ours to stop.
  if (started !== undefined && processStartTime(pid) !== started) return;
  killGroup(pid, "SIGKILL");
}

async function interrupt(options: RecoveryOptions, id: string): Promise<void> {
  await options.store.update<JobRecord>("job", id, (current) => {
    const record = current!.data;
    if (record.state !== "running" && record.state !== "pending") return record;
    stopOrphan(record.pid, record.pid_started);
    const resumable = record.session_id ? `; its agent session ${record.session_id} can be resumed (codex_resume)` : "";
    record.state = "interrupted";
    record.finished_at = new Date().toISOString();
    record.result = {
      changed_files: record.result?.changed_files ?? [],
      commands: record.result?.commands ?? [],
      error: `the server stopped before the job finished${resumable}`,
      error_code: "interrupted",
    };
    appendEvent(record, "job interrupted (server restarted)");
    return record;
  });
}

/** Interrupts stale jobs now and schedules the ones still inside their grace period. */
export async function recoverJobs(options: RecoveryOptions): Promise<void> {
  const graceMs = options.config.server.stale_running_job_grace_seconds * 1000;
  const stale = (await options.store.list<JobRecord>("job")).filter(
    (entry: StoredRecord<JobRecord>) => (entry.data.state === "running" || entry.data.state === "pending") && !options.skip(entry.id),
  );
  for (const entry of stale) {
    const wait = Date.parse(entry.updatedAt) + graceMs - Date.now();
    const run = () => interrupt(options, entry.id).catch((error: Error) => log.warn(`cannot mark job ${entry.id} interrupted: ${error.message}`));
    if (wait <= 0) await run();
    else setTimeout(run, wait).unref?.();
  }
  if (stale.length > 0) log.info(`${stale.length} job(s) left by a stopped server: marked interrupted${graceMs ? ` after ${graceMs / 1000} s` : ""}`);
}
