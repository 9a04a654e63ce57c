/**
 * Reading runs: one run's view (status, next phase, artifacts), the list of runs, the final diff.
 * Driving a run is drive.ts; removing finished ones is cleanup.ts.
 */
import { readPhaseLock } from "./lock.ts";
import { loadRun } from "./phase-runner.ts";
import { listArtifacts, listRunIds, nextPhase, readArtifact, type RunRecord } from "./run-record.ts";

export interface RunView extends RunRecord {
  /** The phase running now, if any. */
  running?: string;
  next?: string;
  artifacts: string[];
}

export async function runView(record: RunRecord): Promise<RunView> {
  const [lock, artifacts] = await Promise.all([readPhaseLock(record), listArtifacts(record.repo, record.run_id)]);
  const next = record.interrupted ? record.interrupted.phase : nextPhase(record);
  return { ...record, ...(lock && { running: lock.phase }), ...(next && { next }), artifacts };
}

export async function status(repo: string, runId: string): Promise<RunView> {
  return runView(await loadRun(repo, runId));
}

export interface RunSummary {
  run_id: string;
  state: string;
  task: string;
  created_at: string;
  updated_at: string;
  running?: string;
}

/** The repository's runs, newest first. */
export async function listRuns(repo: string, limit = 20): Promise<RunSummary[]> {
  const ids = (await listRunIds(repo)).slice(0, limit);
  const runs: RunSummary[] = [];
  for (const id of ids) {
    const record = await loadRun(repo, id).catch(() => undefined);
    if (!record) continue;
    const lock = await readPhaseLock(record);
    runs.push({
      run_id: id,
      state: record.state,
      task: record.task.split("\n")[0]!.slice(0, 120),
      created_at: record.created_at,
      updated_at: record.updated_at,
      ...(lock && { running: lock.phase }),
    });
  }
  return runs;
}

export async function runDiff(repo: string, runId: string): Promise<string> {
  await loadRun(repo, runId);
  return readArtifact(repo, runId, "FINAL.diff").catch((error: { code?: string }) => {
    if (error.code === "artifact_not_found") return "";
    throw error;
  });
}
