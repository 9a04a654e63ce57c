/** `run`: the whole loop of phases for CI and scripts, in this process or through other runners. */
import { type PipelineEnv, phaseLedger } from "./agent.ts";
import { loadPipelineConfig, workflowSettings } from "./config.ts";
import { apply, approve, fix, type PhaseOptions, plan, replan, review, test, write } from "./phases.ts";
import { status, type RunView } from "./queries.ts";
import type { RunRecord } from "./run-record.ts";
import { totalsOf, type UsageTotals } from "../usage/index.ts";

export interface DriveResult {
  run_id: string;
  state: string;
  outcome: "applied" | "ready" | "failed" | "stopped";
  fix_rounds: number;
  error?: { code: string; message: string };
  /** What the run's agent turns used and cost, from the usage ledger. */
  usage: UsageTotals;
  run: RunView;
}

/** Who runs each phase for `drive`: this process (the default), or e.g. the server through its tools. */
export interface PhaseRunners {
  plan: (repo: string, task: string, env: PipelineEnv, options: PhaseOptions & { runId?: string }) => Promise<RunRecord>;
  /** The planner again, for a run whose plan did not finish. */
  replan: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  approve: (repo: string, runId: string, env: PipelineEnv) => Promise<RunRecord>;
  write: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  test: (repo: string, runId: string, env: PipelineEnv) => Promise<RunRecord>;
  review: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  fix: (repo: string, runId: string, env: PipelineEnv, options: PhaseOptions) => Promise<RunRecord>;
  apply: (repo: string, runId: string, env: PipelineEnv, options?: PhaseOptions) => Promise<RunRecord>;
}

export const LOCAL_PHASES: PhaseRunners = { plan, replan, approve, write, test, review, fix, apply };

/**
 * plan → approve → write → test → review → (fix → test → review)* → apply, stopping at the first
 * error. `apply: false` stops when the patch is ready (tests passed, review approved). `runners`
 * runs each phase (default: in this process).
 */
export async function drive(
  repo: string,
  task: string,
  env: PipelineEnv,
  options: PhaseOptions & { apply?: boolean } = {},
  runners: PhaseRunners = LOCAL_PHASES,
): Promise<DriveResult> {
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
    if (ready && options.apply !== false) record = await apply(repo, record.run_id, env, options);
  } catch (failure) {
    thrown = failure;
    const typed = failure as { code?: string; message?: string };
    error = { code: typed.code ?? "internal_error", message: typed.message ?? String(failure) };
  }
  if (!record) throw thrown;
  const view = await status(repo, record.run_id);
  const ready = view.state === "reviewed" && view.review?.verdict === "approve";
  const outcome = view.state === "applied" ? "applied" : ready ? "ready" : view.state === "failed" ? "failed" : "stopped";
  const usage = await totalsOf(phaseLedger(env), { run: view.run_id });
  return { run_id: view.run_id, state: view.state, outcome, fix_rounds: view.fix_rounds, ...(error && { error }), usage, run: view };
}
