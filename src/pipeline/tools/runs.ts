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
    "Start a pipeline run: the read-only planner writes PLAN.md for the task; a person then approves it (patchbay_approve). With run_id instead: plan an unfinished run again.",
  input: v.strictObject({
    task: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200_000), v.description("The change to make."))),
    run_id: v.optional(v.pipe(runId, v.description("Instead of task: a run whose plan did not finish."))),
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
  description: "The human gate: approve a planned run so its writer may run. Only when the person said so.",
  input: { run_id: runId, repo_path: repoPath },
  output: runOutput,
  annotations: LOCAL_WRITE,
  capability: "record",
  run: async (repo, args, context) => answer(await approve(repo, args.run_id, envFor(context, true))),
});

export const writeTool = phaseTool(
  "patchbay_write",
  "Write the patch",
  "The writer implements the approved plan in the run's worktree; its change becomes FINAL.diff.",
  write,
);
export const testTool = phaseTool("patchbay_test", "Test the patch", "Run the [phases.test] commands in the run's worktree.", (repo, id, env) =>
  test(repo, id, env),
);
export const reviewTool = phaseTool("patchbay_review", "Review the patch", "The read-only reviewer answers PASS or CHANGES_REQUESTED.", review);
export const fixTool = phaseTool("patchbay_fix", "Fix the patch", "One fix round for review findings and failing tests; then test and review again.", fix);

export const applyTool = repoTool({
  name: "patchbay_apply",
  title: "Apply the patch",
  description: "Apply FINAL.diff to the base checkout (no commit) after passing tests and review. Only when the person said so.",
  input: {
    run_id: runId,
    repo_path: repoPath,
    allow_agent_config: v.optional(
      v.pipe(v.boolean(), v.description("Also apply changes to configuration that runs programs (.claude/, .mcp.json, git hooks, …).")),
    ),
  },
  output: runOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  capability: "integrate",
  // Agent configuration in the checkout makes the user's agents run what it names (src/workspace/agent-config.ts).
  escalate: { capability: "exec", when: "allow_agent_config: true", applies: (args) => args.allow_agent_config === true },
  run: async (repo, args, context) => answer(await apply(repo, args.run_id, envFor(context, true), { allowAgentConfig: args.allow_agent_config === true })),
});

export const cancelTool = repoTool({
  name: "patchbay_cancel",
  title: "Cancel a run",
  description: "Cancel a run for good, stopping a running phase. Only when the person said so.",
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
  "The run's events: each phase's start and end, provider, model, duration, exit status, usage. Pass next as since to continue.",
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
  "One file of the run folder (PLAN.md, FINAL.diff, REVIEW.md, test/…, logs/…), or its last lines.",
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
