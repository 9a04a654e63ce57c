/**
 * What every phase shares: the state check, the run's phase lock, start/success/error events with
 * durations, one agent turn with its log and usage, and turning the worktree into a checked
 * FINAL.diff. A safety failure ends the run (`failed`); any other failure leaves the state as it
 * was, so the phase can be run again.
 */
import picomatch from "picomatch";
import { asPatchbayError, PatchbayError } from "../errors/index.ts";
import { changedFiles } from "../worktrees/index.ts";
import { type AgentTurnOutcome, type PipelineEnv, runPhaseAgent } from "./agent.ts";
import type { ResolvedPhase } from "./config.ts";
import { applyToWorktree, worktreeDiff } from "./git.ts";
import { clearStopRequests, readStopRequest, stoppedError, watchStop } from "./cancel.ts";
import { acquirePhaseLock, recoverRun, releasePhaseLock } from "./lock.ts";
import { extractDiff } from "./prompts.ts";
import { assertPhaseAllowed } from "./next-step.ts";
import {
  appendRunEvent,
  artifactPath,
  type Phase,
  readArtifact,
  readRun,
  RUNS_DIR,
  type RunEvent,
  type RunRecord,
  saveRun,
  writeArtifact,
} from "./run-record.ts";
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
 * with events around it. `body` changes the record and returns extras for the success event; it
 * gets the environment whose signal stops the phase (the caller's signal, or a CANCEL/STOP file
 * in the run folder, see cancel.ts). A CANCEL ends the run as `cancelled`; any other stop leaves
 * the state as it was with a `phase_stopped` failure.
 */
export async function withPhase(record: RunRecord, phase: Phase, env: PipelineEnv, body: (env: PipelineEnv) => Promise<EventExtras>): Promise<RunRecord> {
  await recoverRun(record);
  await assertPhaseAllowed(record, phase);
  const lock = await acquirePhaseLock(record, phase);
  const started = Date.now();
  const stoppable = phase !== "cancel";
  // A STOP meant for a phase that already ended must not stop this one.
  if (stoppable) await clearStopRequests(record, ["stop"]);
  const watch = stoppable ? watchStop(record, env.signal) : undefined;
  const phaseEnv: PipelineEnv = watch ? { ...env, signal: watch.signal } : env;
  try {
    env.onStarted?.();
    if (stoppable && (await readStopRequest(record))?.mode === "cancel") throw new PatchbayError("run_cancelled", `run ${record.run_id} has a pending cancel`);
    if (stoppable) await appendRunEvent(record, { phase, action: "start" });
    const extras = await body(phaseEnv);
    // A cancel asked for while the phase finished still ends the run, except after apply: the
    // patch is in the checkout then, and `applied` is the truth.
    if (stoppable && phase !== "apply" && (await readStopRequest(record))?.mode === "cancel")
      throw new PatchbayError("run_cancelled", `run ${record.run_id} was cancelled`);
    if (phase === "apply") await clearStopRequests(record);
    if (record.interrupted?.phase === phase) delete record.interrupted;
    delete record.failure;
    await saveRun(record);
    await appendRunEvent(record, { phase, action: SUCCESS_ACTION[phase] ?? "success", duration_ms: Date.now() - started, ...extras });
    return record;
  } catch (error) {
    const request = stoppable ? (watch?.reason() ?? (await readStopRequest(record))) : undefined;
    if (request?.mode === "cancel") {
      record.state = "cancelled";
      record.cancelled = { by: request.by, at: request.at, phase };
      delete record.failure;
      delete record.interrupted;
      await saveRun(record);
      await clearStopRequests(record);
      const detail = `cancelled by ${request.by} during ${phase}`;
      await appendRunEvent(record, { phase, action: "cancelled", duration_ms: Date.now() - started, detail });
      throw new PatchbayError("run_cancelled", `run ${record.run_id} was ${detail}`, {
        next: "start a new run with patchbay plan; `patchbay cleanup` removes its worktree",
      });
    }
    const stopped = watch?.signal.aborted === true;
    if (stopped && request?.mode === "stop") await clearStopRequests(record, ["stop"]);
    const failure = stopped ? stoppedError(record, phase, request?.by) : asPatchbayError(error);
    const terminal = TERMINAL_CODES.has(failure.code);
    record.failure = { phase, code: failure.code, message: env.redact(failure.message), terminal };
    if (terminal) record.state = "failed";
    await saveRun(record);
    await appendRunEvent(record, {
      phase,
      action: stopped ? "stopped" : phase === "apply" ? "apply_denied" : "error",
      duration_ms: Date.now() - started,
      detail: env.redact(failure.text),
    });
    throw failure;
  } finally {
    watch?.dispose();
    await releasePhaseLock(record, lock);
  }
}

const SUCCESS_ACTION: Partial<Record<Phase, RunEvent["action"]>> = { apply: "apply_granted", approve: "approve_granted", cancel: "cancelled" };

export interface TurnResult {
  outcome: AgentTurnOutcome;
  extras: EventExtras;
}

/** One agent turn of a phase, logged to `logs/<name>.log`; a failed turn is returned, not thrown. */
export async function agentTurn(
  record: RunRecord,
  resolved: ResolvedPhase,
  prompt: string,
  cwd: string,
  access: "read_only" | "write",
  env: PipelineEnv,
  logName: string,
): Promise<TurnResult> {
  const logFile = artifactPath(record.repo, record.run_id, `logs/${logName}.log`);
  await writeArtifact(record, `logs/${logName}.log`, "");
  record.phases[resolved.phase] = { provider: resolved.provider, ...(resolved.model && { model: resolved.model }) };
  // A `progress` event names the job as soon as it exists, so a CLI following the run can watch it.
  const onJob = (jobId: string) =>
    appendRunEvent(record, { phase: resolved.phase, action: "progress", provider: resolved.provider, job_id: jobId, detail: `agent job ${jobId} started` });
  const usageOwner = { run: record.run_id, phase: resolved.phase, repo: record.repo };
  const outcome = await runPhaseAgent({ resolved, prompt, cwd, access, logFile, title: `${resolved.phase} ${record.run_id}`, onJob, usageOwner }, env);
  if (outcome.jobId) record.jobs.push(outcome.jobId);
  // Stopped or cancelled: whatever the agent left is not a result (withPhase records why).
  env.signal?.throwIfAborted();
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

/** Throws agent_failed for a failed turn, naming the run (a new run's id is news to whoever started it), its log and the command that runs the phase again. */
export function assertTurnSucceeded(record: RunRecord, resolved: ResolvedPhase, turn: TurnResult, logName: string): void {
  if (turn.outcome.ok) return;
  const id = record.run_id;
  const again = resolved.phase === "plan" ? `patchbay plan --run-id ${id}` : `patchbay ${resolved.phase} ${id}`;
  throw new PatchbayError("agent_failed", `run ${id}: ${resolved.provider} failed in the ${resolved.phase} phase: ${turn.outcome.error ?? "no reason given"}`, {
    next: `read ${RUNS_DIR}/${id}/logs/${logName}.log (patchbay_artifact), fix the cause, and run the phase again: ${again}`,
    details: { run_id: id },
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
  record.changed_files = (await changedFiles(worktree, record.base_commit)).map((file) => file.path);
  if (!report.ok)
    throw unsafe(
      report.violations.map((violation) => violation.message),
      report.violations,
    );
  return ["FINAL.diff"];
}

export function unsafe(reasons: string[], violations?: unknown): PatchbayError {
  return new PatchbayError("unsafe_patch", `the patch was rejected: ${reasons.join("; ")}`, {
    next: "the run is failed; start a new run with a task that avoids these paths",
    ...(violations !== undefined && { details: { violations } }),
  });
}

/** Whether `file` is within the plan's scope: the path itself, a directory above it (`dir/` or `dir`), or a glob. */
export function inScope(file: string, scope: readonly string[]): boolean {
  return scope.some((entry) => {
    const clean = entry.replace(/\/+$/, "");
    if (file === clean || file.startsWith(`${clean}/`)) return true;
    return /[*?[\]{}]/.test(entry) && picomatch(entry, { dot: true })(file);
  });
}

/**
 * The writer scope check: files the patch changes outside the plan's `affected_files` are
 * recorded on the run, noted in `note` (WRITE.md or FIX-n.md) and reported as a `scope_warning`
 * event. Nothing is refused; the person approving the apply decides.
 */
export async function checkScope(record: RunRecord, phase: Phase, note: string): Promise<string[]> {
  if (!record.affected_files) return [];
  const outside = record.changed_files.filter((file) => !inScope(file, record.affected_files!));
  if (outside.length === 0) {
    delete record.out_of_scope;
    return [];
  }
  record.out_of_scope = outside;
  const current = await readArtifact(record.repo, record.run_id, note).catch(() => "");
  await writeArtifact(
    record,
    note,
    `${current.trimEnd()}\n\n## Scope check\n\n` +
      `These files are changed but are not in the plan's affected_files (${record.affected_files.join(", ") || "none"}):\n\n` +
      `${outside.map((file) => `- ${file}`).join("\n")}\n`,
  );
  await appendRunEvent(record, {
    phase,
    action: "scope_warning",
    detail: `changed outside the plan's affected_files: ${outside.join(", ")}`,
    artifacts: [note],
  });
  return outside;
}
