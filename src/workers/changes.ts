/**
 * A worker's worktree in git terms: creating it, the files it changed against its base commit
 * (src/worktrees; imported artifacts left out), and one file's diff from the patch that would
 * carry them to the base checkout (src/worktrees/patch.ts).
 */
import { join } from "node:path";
import { branchPoint, type ChangedFile, changedFiles, createWorktree, MAX_PATCH_BYTES, type Worktree, worktreeFileDiff } from "../worktrees/index.ts";
import { isImportedArtifact, slugOf } from "./paths.ts";

/** A worktree on `patchbay/worker-<slug>-<id8>` at `<root>/worker-<slug>-<id8>`, branched from HEAD. */
export async function createWorkerWorktree(repo: string, worktreeRoot: string, name: string, id: string): Promise<Worktree> {
  const base = await branchPoint(repo, {
    message: `${repo} has no commit to branch from (isolated_write workers run in a git worktree)`,
    next: "commit once in the repository, or start the worker with workspace_mode read_only",
  });
  const label = `worker-${slugOf(name)}-${id.slice(4, 12)}`;
  return createWorktree(repo, { path: join(worktreeRoot, label), branch: `patchbay/${label}` }, base);
}

/** Files that differ from `base` in `cwd`, or are new and untracked (`changedFiles`); imported artifacts are not changes. */
export async function workerChanges(cwd: string, base: string): Promise<ChangedFile[]> {
  return (await changedFiles(cwd, base)).filter((file) => !isImportedArtifact(file.path));
}

/** One file's diff from the patch of the worktree (a one-file patch); an unsafe file is refused, never read. */
export async function workerFileDiff(cwd: string, base: string, file: ChangedFile, maxBytes = MAX_PATCH_BYTES): Promise<{ diff: string; binary: boolean }> {
  const { diff, binary } = await worktreeFileDiff(cwd, base, file, maxBytes, "ask the worker to remove it (codex_worker_message)");
  return { diff, binary };
}
