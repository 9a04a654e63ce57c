/**
 * Integration: carrying an isolated worker's (or an isolated job's) changes to the base checkout as
 * uncommitted changes.
 * The preview says whether it would work and why not; integrate takes the repository lock,
 * previews again and runs `git apply` after `git apply --check`. Nothing is committed and the
 * worktree is kept.
 */
import { existsSync } from "node:fs";
import { PatchbayError } from "../errors/index.ts";
import type { Workspace } from "../workspace/index.ts";
import { agentConfigAmong, headCommit, hooksFolderOf, runGit } from "../workspace/index.ts";
import { MAX_PATCH_BYTES, uncommittedChanges, unsafeChanges, type WorktreePatch, worktreePatch } from "../worktrees/index.ts";
import { workerChanges } from "./changes.ts";
import type { WorkerRecord, WorkerState } from "./record.ts";
import { unresolvedConflicts } from "./unresolved.ts";

export { MAX_PATCH_BYTES } from "../worktrees/index.ts";

export const REFUSAL_CODES = [
  "worker_running",
  "not_isolated",
  "workspace_missing",
  "no_changes",
  "blocked_path",
  "unsafe_file",
  "dirty_base",
  "patch_conflict",
  "patch_too_large",
  "agent_config",
  "conflict_markers",
  "already_applied",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface IntegrationPreview {
  ready: boolean;
  /** Why not, first reason first (empty when ready). */
  refusals: Array<{ code: RefusalCode; message: string; files: string[] }>;
  files: string[];
  skipped_files: string[];
  base_revision?: string;
  base_head?: string;
  base_moved: boolean;
  dirty_base_files: string[];
  patch_bytes: number;
  patch_sha256?: string;
  conflict?: string;
}

const NEXT: Record<RefusalCode, string> = {
  worker_running: "wait for the turn to end (codex_worker_inspect view=status wait_seconds=30), or stop it with codex_worker_stop",
  not_isolated: "only isolated_write workers have changes to integrate; shared_write workers already changed the checkout",
  workspace_missing: "the worktree was removed; start a new worker",
  no_changes: "message the worker to make the change first",
  blocked_path: "the worker touched paths under repositories.blocked_globs; ask it to undo them, or copy what you need by hand",
  unsafe_file:
    "the worker left symlinks that lead out of its worktree, or FIFOs, sockets or devices; ask it to remove them (codex_worker_message), or copy what you need by hand",
  dirty_base: "commit or stash the base checkout's changes, or pass allow_dirty_base=true",
  patch_conflict: "the base moved under the worker; message it to rebase on the current base, or resolve by hand",
  patch_too_large: `integrate smaller pieces (at most ${MAX_PATCH_BYTES} bytes of patch)`,
  already_applied: "nothing to carry over: `git diff` in the base checkout shows the change; commit it there when it is right",
  conflict_markers:
    "message the worker to resolve them (codex_worker_message): it was told which files when it was rebased; or resolve them in its worktree by hand",
  agent_config:
    "read these files' diff first (codex_worker_inspect view=diff): they run programs in the user's agents or at the next commit; " +
    "land them with allow_agent_config=true (needs the exec capability), or copy what you need by hand",
};

/** What a preview may let through: a dirty base checkout, and changes to agent configuration (the exec capability, checked by the caller). */
export interface PreviewOptions {
  allowDirtyBase: boolean;
  allowAgentConfig?: boolean;
}

async function blockedAmong(ws: Workspace, files: string[]): Promise<string[]> {
  const blocked: string[] = [];
  for (const file of files) {
    try {
      await ws.guard(file);
    } catch (error) {
      if ((error as PatchbayError).code === "path_blocked") blocked.push(file);
    }
  }
  return blocked;
}

/**
 * Everything integrate would check, without changing anything.
 *
 * @example
 * const preview = await previewIntegration(worker, "idle", ws, { allowDirtyBase: false });
 */
export async function previewIntegration(
  worker: WorkerRecord,
  state: WorkerState,
  ws: Workspace,
  options: PreviewOptions,
): Promise<IntegrationPreview & { patch?: WorktreePatch }> {
  const preview: IntegrationPreview & { patch?: WorktreePatch } = emptyPreview();
  const refuse = (code: RefusalCode, message: string, files: string[] = []) => void preview.refusals.push({ code, message, files });
  if (state === "running" || state === "starting") refuse("worker_running", `worker ${worker.name} is still running a turn`);
  const wt = worker.worktree;
  if (worker.workspace_mode !== "isolated_write" || !wt) {
    refuse("not_isolated", `worker ${worker.name} is ${worker.workspace_mode}, not isolated_write`);
    return preview;
  }
  if (worker.workspace_removed || !existsSync(wt.path)) {
    refuse("workspace_missing", `worker ${worker.name}'s worktree ${wt.path} is gone`);
    return preview;
  }
  // Markers would land as if they were work, and git apply takes them as any other line.
  const unresolved = unresolvedConflicts(wt.path, worker.rebase_conflicts ?? []);
  if (unresolved.length)
    refuse("conflict_markers", `worker ${worker.name}'s rebase left merge conflicts it has not resolved: ${unresolved.join(", ")}`, unresolved);
  return previewWorktree({ label: `worker ${worker.name}`, repo: worker.repo, worktree: wt }, ws, options, preview);
}

/** A worktree whose changes may go to the checkout it branched from: an isolated worker's, or an isolated job's. */
export interface IntegrationSource {
  /** How refusals name it: `worker w`, `job job_…`. */
  label: string;
  repo: string;
  worktree: { path: string; base_commit: string };
}

/** A preview without refusals yet. */
export function emptyPreview(): IntegrationPreview {
  return { ready: false, refusals: [], files: [], skipped_files: [], base_moved: false, dirty_base_files: [], patch_bytes: 0 };
}

/**
 * Every check integrate makes of an existing worktree (`source`), added to `preview` (which may
 * already hold its owner's refusals): the same rules for a worker and for an isolated job.
 */
export async function previewWorktree(
  source: IntegrationSource,
  ws: Workspace,
  options: PreviewOptions,
  preview: IntegrationPreview & { patch?: WorktreePatch } = emptyPreview(),
): Promise<IntegrationPreview & { patch?: WorktreePatch }> {
  const refuse = (code: RefusalCode, message: string, files: string[] = []) => void preview.refusals.push({ code, message, files });
  const { label, repo, worktree: wt } = source;
  preview.base_revision = wt.base_commit;
  preview.base_head = await headCommit(repo);
  preview.base_moved = preview.base_head !== wt.base_commit;
  const changes = await workerChanges(wt.path, wt.base_commit);
  if (changes.length === 0) refuse("no_changes", `${label} has no changes against its base ${wt.base_commit.slice(0, 12)}`);
  const blocked = await blockedAmong(
    ws,
    changes.map((change) => change.path),
  );
  if (blocked.length) refuse("blocked_path", `${label} changed blocked paths: ${blocked.join(", ")}`, blocked);
  // Refused before anything is read: a link out would carry an outside file, a FIFO would hang.
  const unsafe = await unsafeChanges(wt.path, changes);
  const refuseUnsafe = (found: typeof unsafe) =>
    refuse(
      "unsafe_file",
      `${label} left files patchbay does not read: ${found.map((file) => `${file.path} ${file.why}`).join("; ")}`,
      found.map((file) => file.path),
    );
  if (unsafe.length) refuseUnsafe(unsafe);
  const agentConfig = agentConfigAmong(
    changes.map((change) => change.path),
    await hooksFolderOf(repo),
  );
  if (agentConfig.length && !options.allowAgentConfig)
    refuse("agent_config", `${label} changed configuration that makes agents, MCP hosts or git run programs: ${agentConfig.join(", ")}`, agentConfig);
  preview.dirty_base_files = await uncommittedChanges(repo);
  if (preview.dirty_base_files.length && !options.allowDirtyBase)
    refuse("dirty_base", `the base checkout ${repo} has uncommitted changes`, preview.dirty_base_files.slice(0, 50));
  if (changes.length === 0 || blocked.length || unsafe.length) return preview;

  const patch = await worktreePatch(wt.path, wt.base_commit, changes, MAX_PATCH_BYTES);
  preview.patch = patch;
  preview.files = patch.files;
  preview.skipped_files = patch.skipped_files;
  preview.patch_bytes = patch.bytes;
  preview.patch_sha256 = patch.sha256;
  if (patch.unsafe_files.length) refuseUnsafe(patch.unsafe_files);
  else if (patch.too_large_files.length)
    refuse("patch_too_large", `the patch would be over the ${MAX_PATCH_BYTES}-byte cap with ${patch.too_large_files.join(", ")}`, patch.too_large_files);
  else if (patch.bytes > MAX_PATCH_BYTES) refuse("patch_too_large", `the patch is ${patch.bytes} bytes, over the ${MAX_PATCH_BYTES}-byte cap`, patch.files);
  else if (patch.files.length === 0) refuse("no_changes", `${label} changed only files that cannot be carried over`, patch.skipped_files);
  else {
    const check = await runGit(repo, ["apply", "--check", "--whitespace=nowarn", "-"], { input: patch.patch });
    // A patch the checkout already holds would apply backwards: it landed before, it did not conflict.
    const landed = check.code !== 0 && (await runGit(repo, ["apply", "--check", "--reverse", "--whitespace=nowarn", "-"], { input: patch.patch })).code === 0;
    if (landed) refuse("already_applied", `${label}'s change is already in the base checkout ${repo}`, patch.files);
    else if (check.code !== 0) {
      preview.conflict = check.stderr.trim().slice(0, 4000);
      const conflicted = [
        ...new Set(
          [...check.stderr.matchAll(/(?:patch failed|already exists in working directory|does not exist in index|does not match index): ([^\n:]+)/g)].map((m) =>
            m[1]!.trim(),
          ),
        ),
      ];
      refuse(
        "patch_conflict",
        `the patch does not apply to the base checkout: ${preview.conflict.split("\n").slice(0, 5).join("; ")}`,
        conflicted.length ? conflicted : patch.files,
      );
    }
  }
  preview.ready = preview.refusals.length === 0;
  return preview;
}

/** The first refusal as the error integrate answers with, the reasons and files in its details. */
export function refusalError(preview: IntegrationPreview, next: Partial<Record<RefusalCode, string>> = {}): PatchbayError {
  const first = preview.refusals[0]!;
  return new PatchbayError(first.code, first.message, {
    next: next[first.code] ?? NEXT[first.code],
    details: { refusals: preview.refusals, files: first.files, skipped_files: preview.skipped_files, base_moved: preview.base_moved },
  });
}

/** Applies a ready preview's patch to the base checkout (no commit). */
export async function applyPatch(repo: string, patch: WorktreePatch): Promise<void> {
  const applied = await runGit(repo, ["apply", "--whitespace=nowarn", "-"], { input: patch.patch });
  if (applied.code !== 0) throw new PatchbayError("patch_conflict", `git apply failed: ${applied.stderr.trim().slice(0, 2000)}`, { next: NEXT.patch_conflict });
}
