/**
 * An isolated job's change carried to the checkout it branched from, by the same checks and the
 * same `git apply` as a worker's (`previewWorktree`, `applyPatch`): jobs sit below workers in the
 * layering, so the one integration lives here and takes a job's record.
 */
import { existsSync } from "node:fs";
import { PatchbayError } from "../errors/index.ts";
import { type JobRecord, ownWorktree } from "../jobs/index.ts";
import type { Workspace } from "../workspace/index.ts";
import type { WorkerPatch } from "./changes.ts";
import { applyPatch, type IntegrationPreview, previewWorktree, type RefusalCode, refusalError } from "./integrate.ts";

/** The next steps a job's refusals get where a worker's would name worker tools. */
const JOB_NEXT: Partial<Record<RefusalCode, string>> = {
  no_changes: "nothing to carry over; the job's final message says why",
  blocked_path: "the job touched paths under repositories.blocked_globs; copy what you need by hand (codex_get_diff shows each file)",
  unsafe_file: "the job left symlinks leading out of its worktree, or FIFOs, sockets or devices; copy what you need by hand",
  patch_conflict: "the base moved under the job; resolve by hand (codex_get_diff shows each file), or run the job again",
};

/** Everything integrate would check for a finished isolated job, without changing anything. */
export async function previewJobIntegration(
  record: JobRecord,
  ws: Workspace,
  options: { allowDirtyBase: boolean },
): Promise<IntegrationPreview & { patch?: WorkerPatch }> {
  const worktree = ownWorktree(record);
  if (!existsSync(worktree.path))
    throw new PatchbayError("workspace_missing", `job ${record.id}'s worktree ${worktree.path} was removed`, { next: "run the job again" });
  return previewWorktree({ label: `job ${record.id}`, repo: record.repo, worktree }, ws, options);
}

/** Applies a finished isolated job's change to its repository's checkout (no commit); call under the repository lock. */
export async function integrateJob(record: JobRecord, ws: Workspace, options: { allowDirtyBase: boolean }): Promise<IntegrationPreview> {
  const { patch, ...preview } = await previewJobIntegration(record, ws, options);
  if (!preview.ready || !patch) throw refusalError(preview, JOB_NEXT);
  await applyPatch(record.repo, patch);
  return preview;
}
