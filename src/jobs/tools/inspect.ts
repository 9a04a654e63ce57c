/**
 * Following a job: codex_get_status (now), codex_get_result (bounded wait with progress),
 * codex_get_diff (one proven-changed file of a finished apply job) and codex_cancel_job.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool, type ToolDeclaration } from "../../mcp/tool.ts";
import { workspaceIn } from "../../workspace/index.ts";
import { isTerminal } from "../record.ts";
import { fileDiff } from "../job-worktree.ts";
import { jobFor, waitWithProgress } from "./access.ts";
import { jobIdArg } from "./args.ts";
import { defineJobTool } from "./job-tool.ts";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const DEFAULT_RESULT_WAIT_SECONDS = 50;
const MAX_DIFF_BYTES = 512 * 1024;

export const getStatus = defineJobTool({
  name: "codex_get_status",
  title: "Job status",
  description: "A job's state, session id, worktree and latest progress now, without waiting.",
  input: v.strictObject({ job_id: jobIdArg }),
  annotations: READ_ONLY,
  capability: "read",
  labels: { invoking: "Reading job status", invoked: "Job status ready" },
  events: 10,
  handler: (args, context) => jobFor(context, args.job_id),
});

export const getResult = defineJobTool({
  name: "codex_get_result",
  title: "Job result",
  description: "A job's result, waiting for it to end with progress notifications; still running after wait_seconds: done false, call again.",
  input: v.strictObject({
    job_id: jobIdArg,
    wait_seconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(60), v.description(`Default ${DEFAULT_RESULT_WAIT_SECONDS}.`))),
  }),
  annotations: READ_ONLY,
  capability: "read",
  labels: { invoking: "Waiting for the job", invoked: "Job result ready" },
  async handler(args, context) {
    await jobFor(context, args.job_id);
    return waitWithProgress(context, args.job_id, args.wait_seconds ?? DEFAULT_RESULT_WAIT_SECONDS);
  },
});

export const getDiff = defineTool({
  name: "codex_get_diff",
  title: "Job diff",
  description: "One changed file's diff in a finished apply job's worktree.",
  input: v.strictObject({
    job_id: jobIdArg,
    file_path: v.pipe(v.string(), v.minLength(1), v.description("From the result's changed_files.")),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(`At most ${MAX_DIFF_BYTES}.`))),
  }),
  output: v.object({
    job_id: v.string(),
    file_path: v.string(),
    status: v.picklist(["modified", "added", "deleted"]),
    binary: v.boolean(),
    diff: v.string(),
    truncated: v.boolean(),
    base_commit: v.string(),
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["standard", "full"],
  labels: { invoking: "Reading the job's diff", invoked: "Job diff ready" },
  async handler(args, context) {
    const record = await jobFor(context, args.job_id);
    if (!record.worktree)
      throw new PatchbayError("invalid_arguments", `job ${record.id} is a ${record.kind} job without a worktree: only apply jobs have diffs`, {
        next: "use codex_git_diff for the repository itself",
      });
    if (!isTerminal(record.state))
      throw new PatchbayError("job_running", `job ${record.id} is still ${record.state}`, { next: "wait for it with codex_get_result" });
    const path = args.file_path.replace(/^\.\//, "");
    const changed = record.result?.changed_files ?? [];
    if (!changed.includes(path)) {
      throw new PatchbayError("file_not_changed", `${path} is not among the files job ${record.id} changed (${changed.slice(0, 20).join(", ") || "none"})`, {
        next: "pass a path from result.changed_files",
      });
    }
    // The worktree is the job's own: its paths get the same guard (blocked globs, no escapes).
    const ws = await workspaceIn(
      { allowedRoots: [record.worktree.path], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
      context.app.config.repositories.blocked_globs,
      record.worktree.path,
    );
    const file = await ws.guard(path);
    const diff = await fileDiff(ws.root, record.worktree.base_commit, file.relative, Math.min(args.max_bytes ?? MAX_DIFF_BYTES, MAX_DIFF_BYTES));
    const structured = { job_id: record.id, file_path: file.relative, ...diff, base_commit: record.worktree.base_commit };
    return { text: `${file.relative} (${diff.status}) in job ${record.id}${diff.truncated ? ", truncated" : ""}:\n${diff.diff}`, structured };
  },
});

export const cancelJob = defineJobTool({
  name: "codex_cancel_job",
  title: "Cancel job",
  description: "Stop a pending or running job and its whole process group.",
  input: v.strictObject({ job_id: jobIdArg }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  capability: "record",
  labels: { invoking: "Cancelling the job", invoked: "Job cancelled" },
  events: 10,
  async handler(args, context) {
    await jobFor(context, args.job_id);
    return context.app.jobs.cancel(args.job_id);
  },
});

export const INSPECT_TOOLS: readonly ToolDeclaration[] = [getStatus, getResult, getDiff, cancelJob];
