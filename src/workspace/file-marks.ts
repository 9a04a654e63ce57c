/**
 * A file's `lstat` mark (inode, mtime, ctime, size), how the kept answers of a tree (status-cache.ts,
 * file-list.ts, git-config-files.ts, search-content-cache.ts) tell that a file they depend on is
 * unchanged, and the "racy" window within which a mark cannot vouch for it: where timestamps are
 * coarse (a jiffy, or a second on some file systems) a second change in the same tick leaves mtime,
 * ctime and size as they were (git's "racy" entries).
 */
import { lstatSync, type Stats } from "node:fs";

/** A file changed this close to when it was read or marked may change again unseen by its mark. */
export const RACY_MS = 2_000;

/** The mark of an `lstat`, as text; "-" for nothing there. */
export const markText = (info: Stats | undefined) => (info ? `${info.ino}:${info.mtimeMs}:${info.ctimeMs}:${info.size}` : "-");

/** The marks of `paths` (not following a final symlink) as one string. */
export const marksOf = (paths: readonly string[]) => paths.map((path) => markText(lstatSync(path, { throwIfNoEntry: false }))).join("|");
