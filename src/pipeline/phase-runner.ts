/**
 * What every phase shares: the state check, the run's phase lock, start/success/error events with
 * durations, one agent turn with its log and usage, and turning the worktree into a checked
 * FINAL.diff. A safety failure ends the run (`failed`); any other failure leaves the state as it
 * was, so the phase can be run again.
 */
import { asPatchbayError, PatchbayError } from "../errors/index.ts";
import { type AgentTurnOutcome, type PipelineEnv, runPhaseAgent } from "./agent.ts";
import type { ResolvedPhase } from "./config.ts";
import { applyToWorktree, changedPaths, worktreeDiff } from "./git.ts";
import { acquirePhaseLock, recoverRun, releasePhaseLock } from "./lock.ts";
import { extractDiff } from "./prompts.ts";
import { appendRunEvent, artifactPath, assertPhaseAllowed, type Phase, readRun, type RunEvent, type RunRecord, saveRun, writeArtifact } from "./run.ts";
import { checkPatch } from "./safety.ts";

/** Failures that end the run: the patch or a read-only phase broke a safety rule. */
const TERMINAL_CODES = new Set(["unsafe_patch", "read_only_violation"]);

export type EventExtras = Partial<Pick<RunEvent, "provider" | "model" | "detail" | "exit_code" | "usage" | "cost_usd" | "job_id" | "artifacts">>;

/** The run as stored, with an interrupted phase of a dead process recorded first. */
export async function loadRun(repo: string, runId: string): Promise<RunRecord> {
  return recoverRun(await readRun(repo, runId));
}

/**
 * Runs `body` as `phase` of the run: refused unless the state allows it, under the run's lock,
 * with events around it. `body` changes the record and returns extras for the success event.
 */
export async function withPhase(record: RunRecord, phase: Phase, env: PipelineEnv, body: () => Promise<EventExtras>): Promise<RunRecord> {
  await recoverRun(record);
  assertPhaseAllowed(record, phase);
  const lock = await acquirePhaseLock(record, phase);
  const started = Date.now();
  try {
    env.onStarted?.();
    await appendRunEvent(record, { phase, action: "start" });
    const extras = await body();
    if (record.interrupted?.phase === phase) delete record.interrupted;
    delete record.failure;
    await saveRun(record);
    await appendRunEvent(record, { phase, action: phase === "apply" ? "apply_granted" : phase === "approve" ? "approve_granted" : "success", duration_ms: Date.now() - started, ...extras });
    return record;
  } catch (error) {
    const failure = asPatchbayError(error);
    const terminal = TERMINAL_CODES.has(failure.code);
    record.failure = { phase, code: failure.code, message: env.redact(failure.message), terminal };
    if (terminal) record.state = "failed";
    await saveRun(record);
    await appendRunEvent(record, { phase, action: phase === "apply" ? "apply_denied" : "error", duration_ms: Date.now() - started, detail: env.redact(failure.text) });
    throw failure;
  } finally {
    await releasePhaseLock(record, lock);
  }
}

export interface TurnResult {
  outcome: AgentTurnOutcome;
  extras: EventExtras;
}

/** One agent turn of a phase, logged to `logs/<name>.log`; a failed turn is returned, not thrown. */
export async function agentTurn(record: RunRecord, resolved: ResolvedPhase, prompt: string, cwd: string, access: "read_only" | "write", env: PipelineEnv, logName: string): Promise<TurnResult> {
  const logFile = artifactPath(record.repo, record.run_id, `logs/${logName}.log`);
  await writeArtifact(record, `logs/${logName}.log`, "");
  record.phases[resolved.phase] = { provider: resolved.provider, ...(resolved.model && { model: resolved.model }) };
  const outcome = await runPhaseAgent({ resolved, prompt, cwd, access, logFile, title: `${resolved.phase} ${record.run_id}` }, env);
  if (outcome.jobId) record.jobs.push(outcome.jobId);
  const extras: EventExtras = {
    provider: resolved.provider,
    ...(resolved.model && { model: resolved.model }),
    exit_code: outcome.exitCode ?? null,
    ...(outcome.usage && { usage: outcome.usage }),
    ...(outcome.usage?.costUsd !== undefined && { cost_usd: outcome.usage.costUsd }),
    ...(outcome.jobId && { job_id: outcome.jobId }),
  };
  return { outcome, extras };
}

export function assertTurnSucceeded(resolved: ResolvedPhase, turn: TurnResult, logName: string): void {
  if (turn.outcome.ok) return;
  throw new PatchbayError("agent_failed", `${resolved.provider} failed in the ${resolved.phase} phase: ${turn.outcome.error ?? "no reason given"}`, {
    next: `read logs/${logName}.log of the run (patchbay_artifact), fix the cause, and run ${resolved.phase} again`,
  });
}

/** A custom provider with output_contract "diff" prints its change: checked, then applied to the worktree. */
export async function applyPrintedDiff(resolved: ResolvedPhase, message: string, worktree: string): Promise<void> {
  if (resolved.custom?.output_contract !== "diff") return;
  const patch = extractDiff(message);
  const report = checkPatch(patch, worktree);
  if (!report.ok) throw unsafe(report.violations.map((violation) => violation.message));
  await applyToWorktree(worktree, patch);
}

/** Stages the worktree, writes FINAL.diff, and ends the run when the patch breaks a safety rule. */
export async function producePatch(record: RunRecord): Promise<string[]> {
  const worktree = record.worktree!.path;
  const diff = await worktreeDiff(worktree, record.base_commit);
  await writeArtifact(record, "FINAL.diff", diff);
  const report = checkPatch(diff, record.repo);
  record.binary_files = report.binary;
  record.changed_files = await changedPaths(worktree, record.base_commit);
  if (!report.ok) throw unsafe(report.violations.map((violation) => violation.message), report.violations);
  return ["FINAL.diff"];
}

export function unsafe(reasons: string[], violations?: unknown): PatchbayError {
  return new PatchbayError("unsafe_patch", `the patch was rejected: ${reasons.join("; ")}`, {
    next: "the run is failed; start a new run with a task that avoids these paths",
    ...(violations !== undefined && { details: { violations } }),
  });
}
