/** Removing what finished runs leave: their worktrees and branches, and old run folders. */
import { removeRunWorktree } from "./git.ts";
import { readPhaseLock } from "./lock.ts";
import { loadRun } from "./phase-runner.ts";
import { listRunIds, removeRunFolder } from "./run-record.ts";

const FINISHED = new Set(["applied", "failed", "cancelled"]);

/**
 * Removes the worktrees (and branches) of finished runs, or of one run; with `olderThanDays`
 * also the folders of finished runs older than that.
 */
export async function cleanup(
  repo: string,
  options: { runId?: string; olderThanDays?: number } = {},
): Promise<{ worktrees_removed: string[]; runs_removed: string[] }> {
  const ids = options.runId ? [options.runId] : await listRunIds(repo);
  const worktrees: string[] = [];
  const removed: string[] = [];
  const cutoff = options.olderThanDays === undefined ? undefined : Date.now() - options.olderThanDays * 86_400_000;
  for (const id of ids) {
    // A run asked for by id must exist; in a sweep, a folder that is no run is passed over.
    const record = options.runId ? await loadRun(repo, id) : await loadRun(repo, id).catch(() => undefined);
    if (!record || (await readPhaseLock(record))) continue;
    if (!options.runId && !FINISHED.has(record.state)) continue;
    // Only what this call removed: the record keeps naming its worktree after it is gone.
    if (record.worktree && (await removeRunWorktree(repo, record.worktree.path, record.worktree.branch))) worktrees.push(record.worktree.path);
    if (cutoff !== undefined && FINISHED.has(record.state) && Date.parse(record.updated_at) < cutoff) {
      await removeRunFolder(repo, id);
      removed.push(id);
    }
  }
  return { worktrees_removed: worktrees, runs_removed: removed };
}
