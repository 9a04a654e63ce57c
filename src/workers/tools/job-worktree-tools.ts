/**
 * An isolated job's worktree after the job: carry its change into the checkout
 * (codex_job_integrate, same preview and refusals as codex_worker_integrate) or remove it
 * (codex_job_clean). They live with the workers' integration, which jobs cannot import.
 */
import * as v from "valibot";
import { cleanJobWorktree } from "../../jobs/index.ts";
import { jobFor, jobIdArg } from "../../jobs/tools/index.ts";
import { defineTool, type ToolDeclaration } from "../../mcp/tool.ts";
import { openWorkspace, withRepoLock } from "../../workspace/index.ts";
import type { IntegrationPreview } from "../integrate.ts";
import { integrateJob, previewJobIntegration } from "../job-integrate.ts";
import { gateArgs, landedLine, landedSchema, landOptions, gateEscalation } from "./gate-args.ts";

const refusal = v.object({ code: v.string(), message: v.string(), files: v.array(v.string()) });

export const jobIntegrate = defineTool({
  name: "codex_job_integrate",
  title: "Integrate job",
  description:
    "Apply a finished codex_apply_job's change to the base checkout (worktree kept), with codex_worker_integrate's checks; refused with the reason and files when it cannot land.",
  input: v.strictObject({
    job_id: jobIdArg,
    preview: v.optional(v.pipe(v.boolean(), v.description("Only say whether it would apply."))),
    allow_dirty_base: v.optional(v.pipe(v.boolean(), v.description("Allow uncommitted changes in the base checkout."))),
    ...gateArgs,
  }),
  output: v.object({
    job_id: v.string(),
    applied: v.boolean(),
    ready: v.boolean(),
    refusals: v.array(refusal),
    files: v.array(v.string()),
    skipped_files: v.array(v.string()),
    base_moved: v.boolean(),
    committed: v.boolean(),
    landed: v.optional(landedSchema),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  capability: "integrate",
  escalate: gateEscalation,
  modes: ["standard", "full"],
  labels: { invoking: "Integrating the job's change", invoked: "Job change integrated" },
  async handler(args, context) {
    const record = await jobFor(context, args.job_id);
    const ws = await openWorkspace(context.session.scope, context.app, record.repo);
    const options = { allowDirtyBase: args.allow_dirty_base ?? false, allowAgentConfig: args.allow_agent_config === true };
    type Shown = Pick<IntegrationPreview, "ready" | "refusals" | "files" | "skipped_files" | "base_moved">;
    const answer = (applied: boolean, preview: Shown) => ({
      job_id: record.id,
      applied,
      ready: preview.ready,
      refusals: preview.refusals,
      files: preview.files,
      skipped_files: preview.skipped_files,
      base_moved: preview.base_moved,
      committed: false,
    });
    if (args.preview) {
      const preview = await previewJobIntegration(record, ws, options);
      const why = preview.refusals.map((refusal) => `- ${refusal.code}: ${refusal.message}`).join("\n");
      const text = preview.ready ? `job ${record.id} integrates cleanly: ${preview.files.join(", ")}.` : `job ${record.id} would be refused:\n${why}`;
      return { text, structured: answer(false, preview) };
    }
    const land = await landOptions(context, record.repo, args);
    return withRepoLock(context.app.home, record.repo, { client_ref: context.session.clientRef, tool: "codex_job_integrate" }, async () => {
      const landed = await integrateJob(record, ws, land);
      const moved = landed.base_moved ? " The base moved since the job started; review the result." : "";
      const shown: Shown = { ready: true, refusals: [], files: landed.files, skipped_files: landed.skipped_files, base_moved: landed.base_moved };
      return {
        text: `Applied job ${record.id}'s change to ${record.repo} (the worktree is kept): ${landedLine(landed)}.${moved}`,
        structured: { ...answer(true, shown), committed: landed.commit !== undefined, landed },
      };
    });
  },
});

export const jobClean = defineTool({
  name: "codex_job_clean",
  title: "Clean job",
  description: "Remove a finished isolated job's worktree and branch (unintegrated changes are lost).",
  input: v.strictObject({ job_id: jobIdArg }),
  output: v.object({ job_id: v.string(), removed: v.boolean(), path: v.string(), branch: v.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  capability: "record",
  modes: ["standard", "full"],
  labels: { invoking: "Removing the job's worktree", invoked: "Job worktree removed" },
  async handler(args, context) {
    const record = await jobFor(context, args.job_id);
    const removed = await cleanJobWorktree(record, await context.app.jobs.list());
    const { path, branch } = record.worktree!;
    return {
      text: removed ? `Removed ${path} and branch ${branch}.` : `Job ${record.id}'s worktree and branch were already gone.`,
      structured: { job_id: record.id, removed, path, branch },
    };
  },
});

export const JOB_WORKTREE_TOOLS: readonly ToolDeclaration[] = [jobIntegrate, jobClean];
