/**
 * Reading runs: one run's view (status, next phase, artifacts), the list of runs, the final diff.
 * Driving a run is drive.ts; removing finished ones is cleanup.ts.
 */
import { readPhaseLock } from "./lock.ts";
import { nextStep, rulesOf } from "./next-step.ts";
import { loadRun } from "./phase-runner.ts";
import { listArtifacts, listRunIds, readArtifact, type RunRecord } from "./run-record.ts";

export interface RunView extends RunRecord {
  /** The phase running now, if any. */
  running?: string;
  /** The phase to run next (none while a phase runs, or once the run is over). */
  next?: string;
  /** What to do next and why, with the command. */
  next_step: string;
  artifacts: string[];
}

export async function runView(record: RunRecord): Promise<RunView> {
  const [lock, artifacts, rules] = await Promise.all([readPhaseLock(record), listArtifacts(record.repo, record.run_id), rulesOf(record.repo)]);
  if (lock) return { ...record, running: lock.phase, next_step: `${lock.phase} is running; follow it: patchbay events ${record.run_id} --follow`, artifacts };
  const next = nextStep(record, rules);
  return { ...record, ...(next.phase && { next: next.phase }), next_step: next.step, artifacts };
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
