/**
 * The pipeline's run tools, `patchbay_*`, with `ai_flow_*` aliases in full mode: plan, approve,
 * the phases, apply, and reading a run. Agent phases run their turns as jobs of the server's
 * runtime; a call waits for its phase (progress as MCP progress notifications) unless `background`
 * is set, and returns the run.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool } from "../../mcp/tool.ts";
import { openWorkspace } from "../../workspace/index.ts";
import type { PipelineEnv } from "../agent.ts";
import { apply, approve, cancelRun, fix, plan, replan, review, test, write } from "../phases.ts";
import { listRuns, runDiff, status } from "../queries.ts";
import { newRunId, PHASES, readArtifact, readRunEvents, type RunRecord } from "../run-record.ts";
import { AGENT, answer, background, envFor, LOCAL_WRITE, line, mock, OFFERED, readTool, repoPath, repoTool, runId, runOutput, runPhase } from "./repo-tool.ts";

const phaseTool = (
  name: string,
  title: string,
  description: string,
  phase: (repo: string, id: string, env: PipelineEnv, options: { mock?: boolean }) => Promise<RunRecord>,
) =>
  repoTool({
    name,
    title,
    description,
    input: { run_id: runId, repo_path: repoPath, background, mock },
    output: runOutput,
    annotations: AGENT,
    capability: "write_worktree",
    run: (repo, args, context) => runPhase(context, repo, args.run_id, args.background, (env) => phase(repo, args.run_id, env, { mock: args.mock })),
  });

// Not a repoTool: its arguments are checked before the repository is opened.
export const planTool = defineTool({
  name: "patchbay_plan",
  title: "Plan a change",
  description:
    "Start a pipeline run: the planner (read-only) writes PLAN.md for the task. Next: a person approves it with patchbay_approve. With run_id instead of task, runs the planner again for a run whose plan did not finish (state new).",
  input: v.strictObject({
    task: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200_000), v.description("The change to make (a new run)."))),
    run_id: v.optional(v.pipe(runId, v.description("Instead of task: the run whose plan failed or was interrupted, to plan again."))),
    repo_path: repoPath,
    background,
    mock,
  }),
  output: runOutput,
  annotations: AGENT,
  capability: "write_worktree",
  ...OFFERED,
  aliases: [{ name: "ai_flow_plan" }],
  async handler(args, context) {
    if ((args.task === undefined) === (args.run_id === undefined))
      throw new PatchbayError("invalid_arguments", "patchbay_plan: pass task (a new run) or run_id (plan that run again), not both or neither", {
        next: "call it again with one of them",
      });
    const repo = (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
    // A new run's id is chosen here, so a background plan can answer with it at once.
    const id = args.run_id ?? newRunId();
    const { task } = args;
    return runPhase(context, repo, id, args.background, (env) =>
      task === undefined ? replan(repo, id, env, { mock: args.mock }) : plan(repo, task, env, { mock: args.mock, runId: id }),
    );
  },
});

export const approveTool = repoTool({
  name: "patchbay_approve",
  title: "Approve a plan",
  description: "The human gate: approve a planned run so its writer may run. Only call this when the person said so.",
  input: { run_id: runId, repo_path: repoPath },
  output: runOutput,
  annotations: LOCAL_WRITE,
  capability: "record",
  run: async (repo, args, context) => answer(await approve(repo, args.run_id, envFor(context, true))),
});

export const writeTool = phaseTool(
  "patchbay_write",
  "Write the patch",
  "The writer implements the approved plan in the run's own worktree; its change becomes FINAL.diff, checked by the patch safety rules. Refuses an unapproved run.",
  write,
);
export const testTool = phaseTool(
  "patchbay_test",
  "Test the patch",
  "Runs the allowlisted [phases.test] commands in the run's worktree; logs under test/.",
  (repo, id, env) => test(repo, id, env),
);
export const reviewTool = phaseTool(
  "patchbay_review",
  "Review the patch",
  "The reviewer reads the patch read-only and answers PASS or CHANGES_REQUESTED; a reviewer that changes the worktree fails the run.",
  review,
);
export const fixTool = phaseTool(
  "patchbay_fix",
  "Fix the patch",
  "One fix round for review findings and failing tests (bounded by workflow.max_fix_rounds); then test and review again.",
  fix,
);

export const applyTool = repoTool({
  name: "patchbay_apply",
  title: "Apply the patch",
  description:
    "Applies FINAL.diff to the base checkout (no commit) once the tests passed and the review approved. Takes the repository lock. Only call this when the person said so.",
  input: { run_id: runId, repo_path: repoPath },
  output: runOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  capability: "integrate",
  run: async (repo, args, context) => answer(await apply(repo, args.run_id, envFor(context, true))),
});

export const cancelTool = repoTool({
  name: "patchbay_cancel",
  title: "Cancel a run",
  description:
    "Cancel a run for good (as `patchbay cancel` does): a running phase is stopped wherever it runs, its agent turn ended, and the run is cancelled. Only call this when the person said so.",
  input: { run_id: runId, repo_path: repoPath },
  output: runOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  capability: "record",
  run: async (repo, args, context) => answer(await cancelRun(repo, args.run_id, envFor(context, true))),
});

export const statusTool = readTool(
  "patchbay_status",
  "Run status",
  "A run's state, what runs now, what to do next, its artifacts, tests and review.",
  { run_id: runId },
  async (repo, args) => {
    const view = await status(repo, args.run_id);
    return { text: line(view), structured: view as unknown as Record<string, unknown> };
  },
);

export const eventsTool = readTool(
  "patchbay_events",
  "Run events",
  "The run's events.jsonl: each phase's start and end with provider, model, duration, exit status and usage. `since` is the index to read from; `next` continues.",
  {
    run_id: runId,
    since: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    phase: v.optional(v.picklist(PHASES)),
  },
  async (repo, args) => {
    const result = await readRunEvents(repo, args.run_id, { ...(args.since !== undefined && { since: args.since }), ...(args.phase && { phase: args.phase }) });
    const lines = result.events.map((event) => `${event.timestamp} ${event.phase} ${event.action}${event.detail ? `: ${event.detail}` : ""}`);
    if (result.skipped_lines > 0) lines.push(`(${result.skipped_lines} unreadable line(s) of events.jsonl skipped)`);
    return { text: lines.join("\n") || "no events", structured: result as unknown as Record<string, unknown> };
  },
);

export const runsTool = readTool(
  "patchbay_runs",
  "Runs",
  "The repository's pipeline runs, newest first.",
  { limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200))) },
  async (repo, args) => {
    const runs = await listRuns(repo, args.limit);
    return { text: runs.map((run) => `${run.run_id} ${run.state} ${run.task}`).join("\n") || "no runs", structured: { runs } };
  },
);

export const artifactTool = readTool(
  "patchbay_artifact",
  "Run artifact",
  "One file of the run folder (PLAN.md, WRITE.md, FINAL.diff, REVIEW.md, FIX-1.md, test/…, logs/…), optionally its last lines.",
  {
    run_id: runId,
    artifact: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
    tail: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  },
  async (repo, args) => {
    await status(repo, args.run_id);
    const content = await readArtifact(repo, args.run_id, args.artifact, args.tail);
    return { text: content, structured: { run_id: args.run_id, artifact: args.artifact, content } };
  },
);

export const diffTool = readTool("patchbay_diff", "Run diff", "The run's FINAL.diff.", { run_id: runId }, async (repo, args) => {
  const diff = await runDiff(repo, args.run_id);
  return { text: diff || "(no diff yet)", structured: { run_id: args.run_id, diff } };
});
