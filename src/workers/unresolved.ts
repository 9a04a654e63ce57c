/**
 * Merge conflicts a rebase left in a worker's worktree (rebase.ts) and the agent has not resolved:
 * the files the rebase named that still hold git's conflict markers. Until they are gone the
 * worker's changes do not land, so markers never reach the base checkout as if they were work.
 * Only the files a rebase named are looked at: a file that shows markers on purpose (a merge
 * tool's fixture, a page about git) is no conflict of the worker's.
 */
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { isInside } from "../runtime/index.ts";

/** Larger files are not read for markers; a conflicted source file is far smaller. */
const MAX_SCANNED_BYTES = 8 * 1024 * 1024;

/** A conflict's opening and closing lines, as git writes them (`<<<<<<< ours`, `>>>>>>> theirs`). */
const OPENING = /^<{7}(?: |$)/m;
const CLOSING = /^>{7}(?: |$)/m;

/**
 * Which of `files` (relative to `worktree`) still hold a conflict's markers. Only regular files
 * inside the worktree are read: the agent may have left a symlink, a FIFO, or a folder linked out.
 *
 * @example
 * unresolvedConflicts(worker.worktree.path, worker.rebase_conflicts ?? []); // ["README.md"]
 */
export function unresolvedConflicts(worktree: string, files: readonly string[]): string[] {
  if (files.length === 0) return [];
  let root: string;
  try {
    root = realpathSync(worktree);
  } catch {
    return [];
  }
  return files.filter((file) => {
    const path = join(worktree, file);
    try {
      const stat = lstatSync(path);
      // A folder on the way swapped for a link out: nothing outside the worktree is read, not even for markers.
      if (!stat.isFile() || stat.size > MAX_SCANNED_BYTES || !isInside(root, realpathSync(path))) return false;
      const text = readFileSync(path, "latin1");
      return OPENING.test(text) && CLOSING.test(text);
    } catch {
      // Deleted or renamed by the agent: nothing left to resolve there.
      return false;
    }
  });
}
