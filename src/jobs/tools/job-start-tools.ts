/**
 * The tools that start agent turns: codex_plan_job (read-only, in the repository),
 * codex_apply_job (write, in a new worktree on its own branch) and codex_review (read-only review
 * of uncommitted changes, a base, or a commit). Each returns the job at once; codex_get_result
 * waits for it.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import type { ToolContext, ToolDeclaration } from "../../mcp/tool.ts";
import { openWorkspace } from "../../workspace/index.ts";
import { assertCommit } from "../../workspace/index.ts";
import type { JobSpec } from "../runtime.ts";
import { waitWithProgress } from "./access.ts";
import {
  agentArg,
  agentOptions,
  STARTS_AGENT_TURN,
  checkedOptions,
  effortArg,
  modelArg,
  overridesArg,
  repoPathArg,
  specArg,
  type AgentOptions,
} from "./args.ts";
import type { JobRecord } from "../record.ts";
import { defineJobTool } from "./job-tool.ts";

/** Starts agent turns: not read-only in the MCP sense for apply, and the agent talks to a model API. */
export const RUNS_AGENT_READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
export const RUNS_AGENT_WRITES = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;

type SubmitArgs = AgentOptions & { spec: string; repo_path?: string };

/** Submits a job for a tool call and returns it (after an optional bounded wait). */
export async function submitFor(
  context: ToolContext,
  base: Pick<JobSpec, "kind" | "access" | "prompt"> & Partial<JobSpec>,
  args: SubmitArgs,
  options: { repo?: string; resume?: boolean; waitSeconds?: number } = {},
): Promise<JobRecord> {
  const repo = options.repo ?? (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
  const adapter = context.app.jobs.adapter(args.agent ?? "codex");
  const checked = await checkedOptions(context, adapter, args, { resume: options.resume ?? false });
  const job = await context.app.jobs.submit({ agent: adapter.name, repo, clientRef: context.session.clientRef, ...checked, ...base });
  return waitWithProgress(context, job.id, options.waitSeconds ?? 0);
}

/** What plan and apply jobs take: the task, the repository, and the agent options. */
const jobInput = { spec: specArg, repo_path: repoPathArg, ...agentOptions };

// A plan job is read-only in the repository whatever security.default_sandbox says (a writing job
// gets its own worktree: codex_apply_job), so its schema offers only what it runs: no writing
// sandbox, no bypass. The original's prompts that name read-only still validate.
const { dangerously_bypass: _bypass, ...planOptions } = agentOptions;
const planInput = {
  spec: specArg,
  repo_path: repoPathArg,
  ...planOptions,
  sandbox: v.optional(
    v.pipe(
      v.picklist(["read-only"], "plan jobs are read-only: use codex_apply_job for a job that changes files"),
      v.description("Always read-only; codex_apply_job writes."),
    ),
  ),
};

export const planJob = defineJobTool({
  name: "codex_plan_job",
  title: "Plan job",
  description: "Start a read-only agent job in the repository; returns the job at once (then codex_get_result).",
  input: v.strictObject(planInput),
  annotations: RUNS_AGENT_READ_ONLY,
  ...STARTS_AGENT_TURN,
  labels: { invoking: "Starting a plan job", invoked: "Plan job started" },
  async handler(args, context) {
    return submitFor(context, { kind: "plan", access: "read_only", prompt: args.spec }, args);
  },
});

export const applyJob = defineJobTool({
  name: "codex_apply_job",
  title: "Apply job",
  description:
    "Start an agent job that may change files, in a new worktree on its own branch; returns the job at once (then codex_get_result, codex_get_diff).",
  input: v.strictObject(jobInput),
  annotations: RUNS_AGENT_WRITES,
  ...STARTS_AGENT_TURN,
  labels: { invoking: "Starting an apply job", invoked: "Apply job started" },
  async handler(args, context) {
    const access = args.sandbox === "read-only" ? "read_only" : "write";
    return submitFor(context, { kind: "apply", access, isolate: true, prompt: args.spec }, args);
  },
});

const reviewInput = {
  spec: v.optional(v.pipe(v.string(), v.maxLength(200_000), v.description("What to pay attention to."))),
  repo_path: repoPathArg,
  agent: agentArg,
  uncommitted: v.optional(v.pipe(v.boolean(), v.description("The default without base or commit."))),
  base: v.optional(v.pipe(v.string(), v.description("Review the branch against this base."))),
  commit: v.optional(v.pipe(v.string(), v.description("Review this commit."))),
  title: v.optional(v.pipe(v.string(), v.maxLength(200))),
  model: modelArg,
  reasoning_effort: effortArg,
  config_overrides: overridesArg,
};

/** The review's target in words; contradictory arguments are refused, not guessed at. */
export function reviewTarget(args: { uncommitted?: boolean; base?: string; commit?: string }): string {
  const chosen = [args.uncommitted && "uncommitted", args.base !== undefined && "base", args.commit !== undefined && "commit"].filter(Boolean);
  if (chosen.length > 1) {
    throw new PatchbayError(
      "invalid_arguments",
      `codex_review: ${chosen.join(" and ")} contradict each other: review one of uncommitted changes, a base, or a commit`,
      { next: "pass only one of uncommitted, base, commit" },
    );
  }
  if (args.base !== undefined) return `the changes on the current branch since it left \`${args.base}\` (see \`git diff ${args.base}...HEAD\`)`;
  if (args.commit !== undefined) return `the changes introduced by commit \`${args.commit}\` (see \`git show ${args.commit}\`)`;
  return "the uncommitted changes: staged, unstaged and untracked files (see `git status` and `git diff HEAD`)";
}

export const review = defineJobTool({
  name: "codex_review",
  title: "Review",
  description:
    "Start a read-only agent review of the uncommitted changes, the branch against a base, or one commit; returns the job at once (then codex_get_result).",
  input: v.strictObject(reviewInput),
  annotations: RUNS_AGENT_READ_ONLY,
  capability: "write_worktree",
  labels: { invoking: "Starting a review", invoked: "Review started" },
  async handler(args, context) {
    const target = reviewTarget(args);
    const ws = await openWorkspace(context.session.scope, context.app, args.repo_path);
    for (const ref of [args.base, args.commit]) if (ref !== undefined) await assertCommit(ws.root, ref, context.signal);
    const prompt = [
      args.title ? `# Review: ${args.title}` : "# Code review",
      `Review ${target}. Do not change any file.`,
      "Report concrete problems (bugs, missing tests, risky changes) with file and line, most important first, then anything worth keeping.",
      args.spec ? `\nFocus:\n${args.spec}` : "",
    ].join("\n");
    return submitFor(context, { kind: "review", access: "read_only", prompt, title: args.title }, { ...args, spec: prompt }, { repo: ws.root });
  },
});

export const RUN_TOOLS: readonly ToolDeclaration[] = [planJob, applyJob, review];
