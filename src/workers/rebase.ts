/**
 * Rebase help: a worker whose base moved (others' work landed, or its own was committed) gets its
 * worktree moved onto the base checkout's HEAD with its changes on top, still uncommitted, so it
 * can be integrated again. Its changes first become a commit under refs/patchbay/workers/<id>/
 * (kept, so nothing is lost), `git merge-tree` merges them with HEAD, and the merged tree is
 * written into the worktree; files git could not merge keep conflict markers for the agent to
 * resolve. Call only while no turn runs in the worktree.
 */
import { GIT_CHECKOUT_TIMEOUT_MS, headCommit, git } from "../workspace/index.ts";
import { mergeCheck, snapshotCommit, unsafeChanges } from "../worktrees/index.ts";
import { workerChanges } from "./changes.ts";
import { workerRefPrefix } from "./conflicts.ts";

export interface RebaseResult {
  moved: boolean;
  from: string;
  to: string;
  /** Files left with conflict markers. */
  conflicts: string[];
  /** The ref that keeps the worktree's changes as they were before. */
  saved_ref?: string;
}

/**
 * Moves the worktree at `wt` (of `repo`) onto `repo`'s HEAD.
 *
 * @example
 * const { conflicts } = await rebaseWorktree(worker.repo, worker.id, worker.worktree);
 */
export async function rebaseWorktree(repo: string, workerId: string, wt: { path: string; base_commit: string }): Promise<RebaseResult> {
  const head = await headCommit(repo);
  if (!head || head === wt.base_commit) return { moved: false, from: wt.base_commit, to: wt.base_commit, conflicts: [] };
  const changes = await workerChanges(wt.path, wt.base_commit);
  const unsafe = new Set((await unsafeChanges(wt.path, changes)).map((file) => file.path));
  const files = changes.map((change) => change.path).filter((path) => !unsafe.has(path));
  const savedRef = `${workerRefPrefix(workerId)}pre-rebase`;
  const saved = files.length ? await snapshotCommit(wt.path, wt.base_commit, files, savedRef) : undefined;
  const merged = saved ? await mergeCheck(repo, head, saved) : undefined;
  // The branch (patchbay's own) moves to HEAD; the worker's changes are in `saved` and come back from the merged tree.
  // Both rewrite every file the base moved, a checkout's work: stopped at runGit's 20 s they would leave the worktree half-written.
  await git(wt.path, ["reset", "--quiet", "--hard", head], { timeoutMs: GIT_CHECKOUT_TIMEOUT_MS });
  if (merged) {
    // --reset with -u overwrites the worker's untracked files with their merged selves.
    await git(wt.path, ["read-tree", "-u", "--reset", merged.tree], { timeoutMs: GIT_CHECKOUT_TIMEOUT_MS });
    // Back to uncommitted changes: the index is HEAD's again, new files untracked, as the agent left them.
    await git(wt.path, ["reset", "--quiet"]);
  }
  return { moved: true, from: wt.base_commit, to: head, conflicts: merged?.conflicts ?? [], ...(saved && { saved_ref: savedRef }) };
}

/** What the agent is told before its message: where it now stands, and which files to resolve. */
export function rebaseNote(result: RebaseResult): string {
  const where = `patchbay moved your worktree onto the current base (${result.to.slice(0, 12)}, from ${result.from.slice(0, 12)}); your uncommitted changes are kept on top.`;
  if (!result.conflicts.length) return where;
  return [
    where,
    `These files have merge conflicts, marked with <<<<<<< ======= >>>>>>> lines: ${result.conflicts.join(", ")}.`,
    `Resolve each (keep both sides' intent) and remove the markers before anything else.${result.saved_ref ? ` Your changes as they were before are kept in git at ${result.saved_ref}.` : ""}`,
  ].join("\n");
}
