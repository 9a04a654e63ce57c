/**
 * The phases: plan → approve → write → test → review → (fix → test → review)* → apply. Each takes
 * the repository (a real path, already through the workspace guard), returns the run record, and
 * leaves everything it did in the run folder.
 */
import { commandEnvironment, envPolicy } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { agentConfigAmong, hooksFolderOf, withRepoLock } from "../workspace/index.ts";
import { treeFingerprint, uncommittedChanges } from "../worktrees/index.ts";
import type { PipelineEnv } from "./agent.ts";
import { loadPipelineConfig, type LoadedPipelineConfig, resolvePhase, type ResolvedPhase, testSettings, workflowSettings } from "./config.ts";
import type { AgentPhase } from "./config-schema.ts";
import { applyToBase, createRunWorktree, headCommit, worktreePath } from "./git.ts";
import { clearStopRequests, requestStop, waitForPhaseEnd } from "./cancel.ts";
import { readPhaseLock } from "./lock.ts";
import { agentTurn, applyPrintedDiff, assertTurnSucceeded, checkScope, loadRun, producePatch, unsafe, withPhase } from "./phase-runner.ts";
import { parsePlanScope, parseVerdict, phasePrompt } from "./prompts.ts";
import { assertPhaseAllowed, nextStep, testsAllowApply } from "./next-step.ts";
import { appendRunEvent, createRunFolder, newRunId, readArtifact, type RunRecord, saveRun, writeArtifact } from "./run-record.ts";
import { checkPatch } from "./safety.ts";
import { assertTrusted } from "./trust.ts";
import { runTestCommand, splitCommandLine } from "./test-runner.ts";

export interface PhaseOptions {
  /** Run every agent phase with the mock provider (demos, CI without agents). */
  mock?: boolean;
  /** Apply only: land a patch that changes configuration that runs programs (the caller holds exec; src/workspace/agent-config.ts). */
  allowAgentConfig?: boolean;
}

async function resolved(
  repo: string,
  phase: AgentPhase,
  env: PipelineEnv,
  options: PhaseOptions,
): Promise<{ phase: ResolvedPhase; loaded: LoadedPipelineConfig }> {
  const loaded = await loadPipelineConfig(repo);
  if (options.mock) return { loaded, phase: { phase, provider: "mock", builtin: true, agent: "mock", env: {} } };
  await assertTrusted(env.home, repo, loaded);
  return { loaded, phase: resolvePhase(loaded, phase, env.config) };
}

function isMock(phase: ResolvedPhase): boolean {
  return phase.agent === "mock";
}

function requireWorktree(record: RunRecord): string {
  if (!record.worktree) throw new PatchbayError("invalid_state", `run ${record.run_id} has no worktree`, { next: "run write first" });
  return record.worktree.path;
}

/** Creates a run and runs the planner, read-only, in the base repository. */
export async function plan(repo: string, task: string, env: PipelineEnv, options: PhaseOptions & { runId?: string } = {}): Promise<RunRecord> {
  if (task.trim() === "") throw new PatchbayError("invalid_arguments", "task: expected the change to make, got nothing", { next: 'pass --task "..."' });
  const { phase, loaded } = await resolved(repo, "plan", env, options);
  const base = await headCommit(repo);
  const runId = options.runId ?? newRunId();
  await createRunFolder(repo, runId);
  const now = new Date().toISOString();
  const record: RunRecord = {
    version: 1,
    run_id: runId,
    task,
    state: "new",
    repo,
    base_commit: base,
    created_at: now,
    updated_at: now,
    fix_rounds: 0,
    binary_files: [],
    changed_files: [],
    phases: {},
    jobs: [],
  };
  await writeArtifact(record, "TASK.md", `${task}\n`);
  await saveRun(record);
  return runPlanner(record, phase, loaded, env);
}

/** Runs the planner again for a run whose plan did not finish (state `new`: it failed or was interrupted). */
export async function replan(repo: string, runId: string, env: PipelineEnv, options: PhaseOptions = {}): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  const { phase, loaded } = await resolved(repo, "plan", env, options);
  return runPlanner(record, phase, loaded, env);
}

function runPlanner(record: RunRecord, phase: ResolvedPhase, loaded: LoadedPipelineConfig, env: PipelineEnv): Promise<RunRecord> {
  const { repo, task } = record;
  return withPhase(record, "plan", env, async (env) => {
    const before = await treeFingerprint(repo, { exclude: ".ai" });
    const turn = await agentTurn(record, phase, phasePrompt("plan", { task }, isMock(phase)), repo, "read_only", env, "plan");
    // Checked even when the planner failed: a failed turn may still have written files.
    if ((await treeFingerprint(repo, { exclude: ".ai" })) !== before) {
      throw new PatchbayError("read_only_violation", `the planner (${phase.provider}) changed the repository; the plan phase must not change files`, {
        next: "inspect `git status` in the repository and undo the changes",
      });
    }
    assertTurnSucceeded(record, phase, turn, "plan");
    await writeArtifact(record, "PLAN.md", `${turn.outcome.finalMessage.trim()}\n`);
    const scope = parsePlanScope(turn.outcome.finalMessage);
    if (scope) record.affected_files = scope;
    record.state = workflowSettings(loaded).requireApproval ? "planned" : "approved";
    return { ...turn.extras, artifacts: ["TASK.md", "PLAN.md"] };
  });
}

/** The human gate: a person approves the plan before anything is written. */
export async function approve(repo: string, runId: string, env: PipelineEnv): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  return withPhase(record, "approve", env, async (env) => {
    record.state = "approved";
    record.approved_at = new Date().toISOString();
    return { detail: env.clientRef ? `approved by ${env.clientRef}` : "approved" };
  });
}

/** The writer, in the run's own worktree on its own branch; its change becomes FINAL.diff. */
export async function write(repo: string, runId: string, env: PipelineEnv, options: PhaseOptions = {}): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  if (record.state === "planned")
    throw new PatchbayError("not_approved", `run ${runId} is planned but not approved; write refuses an unapproved run`, {
      next: `read PLAN.md, then approve it: patchbay approve ${runId}`,
    });
  const { phase, loaded } = await resolved(repo, "write", env, options);
  return withPhase(record, "write", env, async (env) => {
    const workflow = workflowSettings(loaded);
    const path = worktreePath(repo, workflow.worktreeRoot, runId);
    const branch = `${workflow.branchPrefix}/${runId}`;
    await createRunWorktree(repo, path, branch, record.base_commit);
    record.worktree = { path, branch };
    await saveRun(record);
    const planText = await readArtifact(repo, runId, "PLAN.md").catch(() => "");
    const turn = await agentTurn(record, phase, phasePrompt("write", { task: record.task, plan: planText }, isMock(phase)), path, "write", env, "write");
    assertTurnSucceeded(record, phase, turn, "write");
    await writeArtifact(record, "WRITE.md", `${turn.outcome.finalMessage.trim()}\n`);
    await applyPrintedDiff(phase, turn.outcome.finalMessage, path);
    const artifacts = await producePatch(record);
    const outside = await checkScope(record, "write", "WRITE.md");
    record.state = "written";
    const notes = [
      record.binary_files.length && `binary: ${record.binary_files.join(", ")}`,
      outside.length && `outside the plan's affected_files: ${outside.join(", ")}`,
    ].filter(Boolean);
    return {
      ...turn.extras,
      artifacts: ["WRITE.md", ...artifacts],
      detail: `${record.changed_files.length} file(s) changed${notes.length ? `; ${notes.join("; ")}` : ""}`,
    };
  });
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "command"
  );
}

/** Runs the allowlisted test commands in the worktree; failing tests are a result, not an error. */
export async function test(repo: string, runId: string, env: PipelineEnv): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  const loaded = await loadPipelineConfig(repo);
  await assertTrusted(env.home, repo, loaded);
  const settings = testSettings(loaded);
  for (const command of settings.commands) splitCommandLine(command);
  return withPhase(record, "test", env, async (env) => {
    const cwd = requireWorktree(record);
    const results: NonNullable<RunRecord["tests"]>["results"] = [];
    const round = record.fix_rounds;
    for (const [index, command] of settings.commands.entries()) {
      env.signal?.throwIfAborted();
      env.onProgress?.(`test: ${command}`);
      const result = await runTestCommand(command, cwd, settings.timeoutMs, commandEnvironment(envPolicy(env.config)), env.signal);
      const log = `test/${round > 0 ? `round-${round}-` : ""}${index + 1}-${slug(command)}.log`;
      const status = result.timed_out ? `timed out after ${settings.timeoutMs / 1000} s` : `exit code ${result.exit_code}`;
      await writeArtifact(record, log, env.redact(`$ ${command}\n${result.output}\n[${status}, ${result.duration_ms} ms]\n`));
      results.push({ command, exit_code: result.exit_code, timed_out: result.timed_out, log, duration_ms: result.duration_ms });
    }
    env.signal?.throwIfAborted();
    const passed = results.every((result) => result.exit_code === 0);
    record.tests = { status: results.length === 0 ? "skipped" : passed ? "passed" : "failed", results };
    // A reviewed patch tested again is the same patch: its review still holds.
    if (record.state !== "reviewed") record.state = "tested";
    return {
      detail: `tests ${record.tests.status}: ${results.filter((r) => r.exit_code === 0).length}/${results.length} passed`,
      artifacts: results.map((result) => result.log),
    };
  });
}

/** The reviewer, read-only in the worktree; the worktree is fingerprinted before and after. */
export async function review(repo: string, runId: string, env: PipelineEnv, options: PhaseOptions = {}): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  const { phase } = await resolved(repo, "review", env, options);
  return withPhase(record, "review", env, async (env) => {
    const cwd = requireWorktree(record);
    const [planText, diff] = await Promise.all([readArtifact(repo, runId, "PLAN.md").catch(() => ""), readArtifact(repo, runId, "FINAL.diff")]);
    const before = await treeFingerprint(cwd);
    const name = record.fix_rounds > 0 ? `review-${record.fix_rounds}` : "review";
    const turn = await agentTurn(record, phase, phasePrompt("review", { task: record.task, plan: planText, diff }, isMock(phase)), cwd, "read_only", env, name);
    if ((await treeFingerprint(cwd)) !== before) {
      throw new PatchbayError("read_only_violation", `the reviewer (${phase.provider}) changed files in the worktree; a review must not change anything`, {
        next: "the run is failed; start a new run, and bind review to a provider that respects read-only",
      });
    }
    assertTurnSucceeded(record, phase, turn, name);
    const verdict = parseVerdict(turn.outcome.finalMessage);
    if (!verdict)
      throw new PatchbayError(
        "review_unreadable",
        `the reviewer's answer does not start with PASS or CHANGES_REQUESTED: ${turn.outcome.finalMessage.slice(0, 200)}`,
        { next: "run review again" },
      );
    const body = `${turn.outcome.finalMessage.trim()}\n`;
    await writeArtifact(record, "REVIEW.md", body);
    if (record.fix_rounds > 0) await writeArtifact(record, `REVIEW-${record.fix_rounds}.md`, body);
    record.review = verdict;
    record.state = "reviewed";
    return { ...turn.extras, detail: `verdict: ${verdict.verdict}`, artifacts: ["REVIEW.md"] };
  });
}

/** One fix round for review findings and failing tests, bounded by workflow.max_fix_rounds. */
export async function fix(repo: string, runId: string, env: PipelineEnv, options: PhaseOptions = {}): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  const { phase, loaded } = await resolved(repo, "fix", env, options);
  const rules = workflowSettings(loaded);
  const max = rules.maxFixRounds;
  const somethingToFix = record.tests?.status === "failed" || record.review?.verdict === "changes_requested";
  if (["tested", "reviewed"].includes(record.state) && !somethingToFix)
    throw new PatchbayError(
      "invalid_state",
      `run ${runId}: nothing to fix, the tests ${record.tests?.status ?? "did not run"}${record.review ? " and the review approved it" : ""}`,
      { next: nextStep(record, rules).step },
    );
  if (record.fix_rounds >= max && ["tested", "reviewed"].includes(record.state)) {
    throw new PatchbayError("fix_limit", `run ${runId} has had ${record.fix_rounds} fix round(s), the maximum (workflow.max_fix_rounds = ${max})`, {
      next: "raise workflow.max_fix_rounds in .ai/patchbay.toml, or start a new run",
    });
  }
  return withPhase(record, "fix", env, async (env) => {
    const cwd = requireWorktree(record);
    const round = record.fix_rounds + 1;
    const failing = (record.tests?.results ?? []).filter((result) => result.exit_code !== 0);
    const failedTests = (
      await Promise.all(failing.map(async (result) => `### ${result.command}\n${await readArtifact(repo, runId, result.log, 60).catch(() => "")}`))
    ).join("\n\n");
    const findings = record.review?.verdict === "changes_requested" ? record.review.findings : "";
    const turn = await agentTurn(
      record,
      phase,
      phasePrompt("fix", { task: record.task, findings, failedTests, round }, isMock(phase)),
      cwd,
      "write",
      env,
      `fix-${round}`,
    );
    assertTurnSucceeded(record, phase, turn, `fix-${round}`);
    await writeArtifact(record, `FIX-${round}.md`, `${turn.outcome.finalMessage.trim()}\n`);
    await applyPrintedDiff(phase, turn.outcome.finalMessage, cwd);
    const artifacts = await producePatch(record);
    await checkScope(record, "fix", `FIX-${round}.md`);
    record.fix_rounds = round;
    delete record.tests;
    delete record.review;
    record.state = "fixed";
    return { ...turn.extras, artifacts: [`FIX-${round}.md`, ...artifacts] };
  });
}

/**
 * Applies FINAL.diff to the base checkout (no commit) once the tests passed and the review
 * approved; a patch that changes agent configuration only with `allowAgentConfig`.
 */
export async function apply(repo: string, runId: string, env: PipelineEnv, options: PhaseOptions = {}): Promise<RunRecord> {
  const record = await loadRun(repo, runId);
  const loaded = await loadPipelineConfig(repo);
  await assertTrusted(env.home, repo, loaded);
  const rules = workflowSettings(loaded);
  if (record.state === "reviewed" && record.review?.verdict !== "approve")
    throw new PatchbayError("not_approved", `run ${runId}: the review requested changes`, { next: nextStep(record, rules).step });
  if (record.state === "reviewed" && !testsAllowApply(record, rules)) {
    throw new PatchbayError("tests_not_passed", `run ${runId}: the tests ${record.tests?.status ?? "did not run"}; apply needs them to pass`, {
      next: nextStep(record, rules).step,
    });
  }
  return withPhase(record, "apply", env, async (env) => {
    const patch = await readArtifact(repo, runId, "FINAL.diff");
    await withRepoLock(env.home, repo, { client_ref: env.clientRef ?? "cli", tool: "patchbay_apply" }, async () => {
      const dirty = await uncommittedChanges(repo, { exclude: ".ai" });
      if (dirty.length > 0)
        throw new PatchbayError("dirty_base", `the base checkout has uncommitted changes: ${dirty.slice(0, 5).join(", ")}`, {
          next: "commit or stash them, then apply again",
        });
      const report = checkPatch(patch, repo);
      if (!report.ok)
        throw unsafe(
          report.violations.map((violation) => violation.message),
          report.violations,
        );
      const agentConfig = agentConfigAmong(report.paths, await hooksFolderOf(repo));
      // The next step in the shell's words, as every next step of a run (next-step.ts): applying is the person's call.
      if (agentConfig.length && !options.allowAgentConfig)
        throw new PatchbayError(
          "agent_config",
          `run ${runId}: the patch changes configuration that makes agents, MCP hosts or git run programs: ${agentConfig.join(", ")}`,
          {
            next: `read them in FINAL.diff (patchbay diff ${runId}), then apply with patchbay apply ${runId} --allow-agent-config`,
            details: { files: agentConfig },
          },
        );
      await applyToBase(repo, patch, runId);
    });
    record.state = "applied";
    return { detail: `applied ${record.changed_files.length} file(s) to ${repo}; nothing was committed`, artifacts: ["FINAL.diff"] };
  });
}

/**
 * A person ends the run: `cancelled`, a final state. A phase running elsewhere (the server,
 * another CLI) is asked to stop through the run folder and marks the run itself; this waits up
 * to `waitMs` for that. With no phase running, the run is marked here.
 */
export async function cancelRun(repo: string, runId: string, env: PipelineEnv, options: { waitMs?: number } = {}): Promise<RunRecord> {
  let record = await loadRun(repo, runId);
  if (record.state === "cancelled") return record;
  await assertPhaseAllowed(record, "cancel");
  const by = env.clientRef ?? "cli";
  const holder = await readPhaseLock(record);
  if (holder) {
    await requestStop(record, "cancel", by);
    await appendRunEvent(record, { phase: "cancel", action: "cancel_requested", detail: `by ${by}; stopping ${holder.phase} (pid ${holder.pid})` });
    const ended = await waitForPhaseEnd(record, options.waitMs ?? 30_000);
    record = await loadRun(repo, runId);
    if (record.state === "cancelled") return record;
    if (!ended) {
      throw new PatchbayError("cancel_pending", `run ${runId}: ${holder.phase} has not stopped yet; it is cancelled as soon as it does`, {
        next: `watch it with patchbay events ${runId} --follow`,
      });
    }
  }
  try {
    return await withPhase(record, "cancel", env, async () => {
      record.state = "cancelled";
      record.cancelled = { by, at: new Date().toISOString(), phase: "cancel" };
      delete record.interrupted;
      return { detail: `cancelled by ${by}` };
    });
  } finally {
    await clearStopRequests(record);
  }
}
