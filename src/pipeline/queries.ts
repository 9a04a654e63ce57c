/**
 * Reading runs (status, list, diff, events, artifacts), cleaning up, and `run`: the whole loop
 * for CI and scripts.
 */
import type { PipelineEnv } from "./agent.ts";
import { loadPipelineConfig, workflowSettings } from "./config.ts";
import { removeRunWorktree } from "./git.ts";
import { readPhaseLock } from "./lock.ts";
import { loadRun } from "./phase-runner.ts";
import { apply, approve, fix, type PhaseOptions, plan, review, test, write } from "./phases.ts";
import { listArtifacts, listRunIds, nextPhase, readArtifact, removeRunFolder, type RunRecord } from "./run.ts";

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
    runs.push({ run_id: id, state: record.state, task: record.task.split("\n")[0]!.slice(0, 120), created_at: record.created_at, updated_at: record.updated_at, ...(lock && { running: lock.phase }) });
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

const FINISHED = new Set(["applied", "failed", "cancelled"]);

/**
 * Removes the worktrees (and branches) of finished runs, or of one run; with `olderThanDays`
 * also the folders of finished runs older than that.
 */
export async function cleanup(repo: string, options: { runId?: string; olderThanDays?: number } = {}): Promise<{ worktrees_removed: string[]; runs_removed: string[] }> {
  const ids = options.runId ? [options.runId] : await listRunIds(repo);
  const worktrees: string[] = [];
  const removed: string[] = [];
  const cutoff = options.olderThanDays === undefined ? undefined : Date.now() - options.olderThanDays * 86_400_000;
  for (const id of ids) {
    const record = await loadRun(repo, id).catch(() => undefined);
    if (!record || (await readPhaseLock(record))) continue;
    if (!options.runId && !FINISHED.has(record.state)) continue;
    if (record.worktree) {
      await removeRunWorktree(repo, record.worktree.path, record.worktree.branch);
      worktrees.push(record.worktree.path);
    }
    if (cutoff !== undefined && FINISHED.has(record.state) && Date.parse(record.updated_at) < cutoff) {
      await removeRunFolder(repo, id);
      removed.push(id);
    }
  }
  return { worktrees_removed: worktrees, runs_removed: removed };
}

export interface DriveResult {
  run_id: string;
  state: string;
  outcome: "applied" | "ready" | "failed" | "stopped";
  fix_rounds: number;
  error?: { code: string; message: string };
  run: RunView;
}

/** Who runs each phase for `drive`: this process (the default), or e.g. the server through its tools. */
export interface PhaseRunners {
  plan: (repo: string, task: string, env: PipelineEnv, options: PhaseOptions & { runId?: string }) => Promise<RunRecord>;
  approve: (repo: string, runId: string, env: PipelineEnv) => Promise<RunRecord>;
  write: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  test: (repo: string, runId: string, env: PipelineEnv) => Promise<RunRecord>;
  review: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  fix: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  apply: (repo: string, runId: string, env: PipelineEnv) => Promise<RunRecord>;
}

export const LOCAL_PHASES: PhaseRunners = { plan, approve, write, test, review, fix, apply };

/**
 * plan → approve → write → test → review → (fix → test → review)* → apply, stopping at the first
 * error. `apply: false` stops when the patch is ready (tests passed, review approved). `runners`
 * runs each phase (default: in this process).
 */
export async function drive(repo: string, task: string, env: PipelineEnv, options: PhaseOptions & { apply?: boolean } = {}, runners: PhaseRunners = LOCAL_PHASES): Promise<DriveResult> {
  const { plan, approve, write, test, review, fix, apply } = runners;
  let record: RunRecord | undefined;
  let error: DriveResult["error"];
  let thrown: unknown;
  try {
    record = await plan(repo, task, env, options);
    if (record.state === "planned") record = await approve(repo, record.run_id, env);
    record = await write(repo, record.run_id, env, options);
    const max = workflowSettings(await loadPipelineConfig(repo)).maxFixRounds;
    for (;;) {
      record = await test(repo, record.run_id, env);
      if (record.tests?.status !== "failed") {
        record = await review(repo, record.run_id, env, options);
        if (record.review?.verdict === "approve") break;
      }
      if (record.fix_rounds >= max) break;
      record = await fix(repo, record.run_id, env, options);
    }
    const ready = record.state === "reviewed" && record.review?.verdict === "approve";
    if (ready && options.apply !== false) record = await apply(repo, record.run_id, env);
  } catch (failure) {
    thrown = failure;
    const typed = failure as { code?: string; message?: string };
    error = { code: typed.code ?? "internal_error", message: typed.message ?? String(failure) };
  }
  if (!record) throw thrown;
  const view = await status(repo, record.run_id);
  const ready = view.state === "reviewed" && view.review?.verdict === "approve";
  const outcome = view.state === "applied" ? "applied" : ready ? "ready" : view.state === "failed" ? "failed" : "stopped";
  return { run_id: view.run_id, state: view.state, outcome, fix_rounds: view.fix_rounds, ...(error && { error }), run: view };
}
