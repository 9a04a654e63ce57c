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
import { gateArgs, landedLine, landedSchema, landOptions, runTestsEscalation } from "./gate-args.ts";

const refusal = v.object({ code: v.string(), message: v.string(), files: v.array(v.string()) });

export const jobIntegrate = defineTool({
  name: "codex_job_integrate",
  title: "Integrate job",
  description:
    "Apply a finished isolated job's change (codex_apply_job) to the base checkout, under the repository lock, with the same checks as codex_worker_integrate: git apply --check, then git apply; the worktree is kept and nothing is committed unless commit=true with a message. With run_tests (default: workers.integrate_requires_tests) the change is first tested in a scratch worktree at the current base and lands only if the repository's test commands pass. preview=true only says whether it would apply and why not. Refused when the job is running, not isolated, changed nothing, touches a blocked path, the base is dirty (unless allow_dirty_base), the patch does not apply, or it is over the size cap.",
  input: v.strictObject({
    job_id: jobIdArg,
    preview: v.optional(v.pipe(v.boolean(), v.description("Only check: say whether it would apply, and why not, changing nothing."))),
    allow_dirty_base: v.optional(v.pipe(v.boolean(), v.description("Integrate into a base checkout that has uncommitted changes."))),
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
  escalate: runTestsEscalation,
  modes: ["standard", "full"],
  labels: { invoking: "Integrating the job's change", invoked: "Job change integrated" },
  async handler(args, context) {
    const record = await jobFor(context, args.job_id);
    const ws = await openWorkspace(context.session.scope, context.app, record.repo);
    const options = { allowDirtyBase: args.allow_dirty_base ?? false };
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
  description:
    "Remove a finished isolated job's worktree and its patchbay/job-<id> branch (unintegrated changes in it are lost). Finished jobs' worktrees are also removed after server.job_worktree_retention_days.",
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
