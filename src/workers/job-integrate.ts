/**
 * An isolated job's change carried to the checkout it branched from, by the same checks, the same
 * test gate and the same `git apply` as a worker's (`previewWorktree`, `landInOrder`): jobs sit
 * below workers in the layering, so the one integration lives here and takes a job's record.
 */
import { existsSync } from "node:fs";
import { PatchbayError } from "../errors/index.ts";
import { type JobRecord, ownWorktree } from "../jobs/index.ts";
import type { Workspace } from "../workspace/index.ts";
import type { WorktreePatch } from "../worktrees/index.ts";
import { type IntegrationPreview, type PreviewOptions, previewWorktree, type RefusalCode } from "./integrate.ts";
import { type LandedItem, landInOrder, type LandOptions } from "./land.ts";

/** The next steps a job's refusals get where a worker's would name worker tools. */
const JOB_NEXT: Partial<Record<RefusalCode, string>> = {
  no_changes: "nothing to carry over; the job's final message says why",
  blocked_path: "the job touched paths under repositories.blocked_globs; copy what you need by hand (codex_get_diff shows each file)",
  unsafe_file: "the job left symlinks leading out of its worktree, or FIFOs, sockets or devices; copy what you need by hand",
  patch_conflict: "the base moved under the job; resolve by hand (codex_get_diff shows each file), or run the job again",
  agent_config:
    "read these files' diff first (codex_get_diff shows each file): they run programs in the user's agents or at the next commit; " +
    "land them with allow_agent_config=true (needs the exec capability), or copy what you need by hand",
};

/** Everything integrate would check for a finished isolated job, without changing anything. */
export async function previewJobIntegration(
  record: JobRecord,
  ws: Workspace,
  options: PreviewOptions,
): Promise<IntegrationPreview & { patch?: WorktreePatch }> {
  const worktree = ownWorktree(record);
  if (!existsSync(worktree.path))
    throw new PatchbayError("workspace_missing", `job ${record.id}'s worktree ${worktree.path} was removed`, { next: "run the job again" });
  return previewWorktree({ label: `job ${record.id}`, repo: record.repo, worktree }, ws, options);
}

/** Applies a finished isolated job's change to its repository's checkout (tested first when `options.tests`); call under the repository lock. */
export async function integrateJob(record: JobRecord, ws: Workspace, options: LandOptions): Promise<LandedItem> {
  const result = await landInOrder([{ name: `job ${record.id}`, next: JOB_NEXT, preview: (check) => previewJobIntegration(record, ws, check) }], options);
  if (result.stopped) throw result.stopped.error;
  return result.landed[0]!;
}
