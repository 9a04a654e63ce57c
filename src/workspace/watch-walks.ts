/** Whether a tree is small enough to watch (repo-watch.ts), counted before any watch is taken. */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Files and directories a root may hold to be watched, and directories among them (node_modules
 * counts). Each directory takes one inotify watch from the user's limit, which their IDE shares.
 */
const MAX_ENTRIES = 20_000;
export const MAX_DIRECTORIES = 1_000;

/**
 * The one folder not watched, nor counted: git's object store, immutable content found only
 * through the index and refs (both watched), so nothing git status or its file list says depends
 * on it, and it holds up to 256 directories.
 */
export const UNWATCHED = join(".git", "objects");

/** True when `root` holds at most MAX_ENTRIES entries and MAX_DIRECTORIES directories (not following symlinks, UNWATCHED left out); stops counting past either. */
export async function smallEnough(root: string): Promise<boolean> {
  let entries = 0;
  let directories = 0;
  let level = [root];
  const skipped = join(root, UNWATCHED);
  while (level.length > 0) {
    const next: string[] = [];
    for (const dir of level) {
      const listed = await readdir(dir, { withFileTypes: true }).catch(() => []);
      entries += listed.length;
      for (const entry of listed) if (entry.isDirectory() && join(dir, entry.name) !== skipped) next.push(join(dir, entry.name));
      if (entries > MAX_ENTRIES || next.length + directories > MAX_DIRECTORIES) return false;
    }
    directories += next.length;
    level = next;
  }
  return true;
}
