/**
 * Creating and removing the git worktrees patchbay gives apply jobs, isolated_write workers and
 * pipeline runs (each on its own new branch at a base commit), and the detached scratch checkouts
 * integration tests patches in. Callers choose the place (path, and branch where there is one); a folder inside the repository is checked by its owner before these run (the pipeline's
 * `.ai/worktrees`), because only the owner knows what may sit there.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { PatchbayError } from "../errors/index.ts";
import { GIT_CHECKOUT_TIMEOUT_MS, git, headCommit, runGit } from "../workspace/index.ts";

/** Where a worktree goes and the branch it is on. */
export interface WorktreePlace {
  path: string;
  branch: string;
}

export interface Worktree extends WorktreePlace {
  base_commit: string;
}

/**
 * The commit HEAD points at, to branch a worktree from; a repository without one is refused with
 * `not_a_git_repo`, in the caller's words.
 *
 * @example
 * const base = await branchPoint(repo, { message: `${repo} has no commit to branch from`, next: "commit once" });
 */
export async function branchPoint(repo: string, refusal: { message: string; next: string }): Promise<string> {
  const head = await headCommit(repo);
  if (head === undefined) throw new PatchbayError("not_a_git_repo", refusal.message, { next: refusal.next });
  return head;
}

/**
 * `git worktree add --quiet -b <branch> <path> <base>`: a new branch at `base`, checked out at `path`.
 *
 * @example
 * const wt = await createWorktree("/srv/repo", { path: "/home/me/.patchbay/worktrees/jobs/job_1", branch: "patchbay/job-job_1" }, base);
 */
export async function createWorktree(repo: string, place: WorktreePlace, base: string): Promise<Worktree> {
  await git(repo, ["worktree", "add", "--quiet", "-b", place.branch, place.path, base], { timeoutMs: GIT_CHECKOUT_TIMEOUT_MS });
  return { path: place.path, branch: place.branch, base_commit: base };
}

/**
 * `git worktree add --quiet --detach <path> HEAD`: a throwaway checkout of the base's HEAD on no
 * branch, where integration applies and tests a patch before the base sees it.
 *
 * @example
 * await createScratchWorktree("/srv/repo", "/home/me/.patchbay/worktrees/integrate-1a2b3c");
 */
export async function createScratchWorktree(repo: string, path: string): Promise<void> {
  await git(repo, ["worktree", "add", "--quiet", "--detach", path, "HEAD"], { timeoutMs: GIT_CHECKOUT_TIMEOUT_MS });
}

/**
 * Removes the worktree at `place.path` (its folder too, should git leave it), prunes git's record
 * of worktrees whose folder is gone, and deletes the branch, if it has one; a part already gone is skipped.
 * Returns whether this call removed anything (the folder or the branch), so a report of what was
 * removed does not repeat on every call.
 */
export async function removeWorktree(repo: string, place: { path: string; branch?: string }): Promise<boolean> {
  const folder = existsSync(place.path);
  if (folder) {
    // Deleting a whole checkout is a checkout's work: under the 20 s default it would fail before the rm below.
    await runGit(repo, ["worktree", "remove", "--force", place.path], { timeoutMs: GIT_CHECKOUT_TIMEOUT_MS });
    await rm(place.path, { recursive: true, force: true });
  }
  await runGit(repo, ["worktree", "prune"]);
  if (place.branch === undefined) return folder;
  const branch = (await runGit(repo, ["rev-parse", "--verify", "--quiet", `refs/heads/${place.branch}`])).code === 0;
  if (branch) await runGit(repo, ["branch", "-D", place.branch]);
  return folder || branch;
}
