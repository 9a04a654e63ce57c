/**
 * A file's `lstat` mark (inode, mtime, ctime, size), how the kept answers of a tree (status-cache.ts,
 * file-list.ts, git-config-files.ts, search-content-cache.ts) tell that a file they depend on is
 * unchanged, and the "racy" window within which a mark cannot vouch for it: where timestamps are
 * coarse (a jiffy, or a second on some file systems) a second change in the same tick leaves mtime,
 * ctime and size as they were (git's "racy" entries).
 *
 * A symlink is marked with the file it leads to: dotfiles managers (GNU stow, home-manager) make
 * `~/.gitconfig` a link into a dotfiles folder, and an edit there changes the target, never the link.
 */
import { lstat, stat } from "node:fs/promises";
import { lstatSync, type Stats, statSync } from "node:fs";

/** A file changed this close to when it was read or marked may change again unseen by its mark. */
export const RACY_MS = 2_000;

/** The mark of an `lstat`, as text; "-" for nothing there. */
export const markText = (info: Stats | undefined) => (info ? `${info.ino}:${info.mtimeMs}:${info.ctimeMs}:${info.size}` : "-");

/** A path's mark, and the newest mtime or ctime behind it (ms since the epoch; 0 for nothing there). */
export interface Marked {
  mark: string;
  changedMs: number;
}

const changedMs = (info: Stats | undefined) => (info ? Math.max(info.mtimeMs, info.ctimeMs) : 0);

/** The mark of an entry and, for a symlink, of what it leads to ("!" where that cannot be seen: a dangling or looping link). */
function marked(entry: Stats | undefined, target?: Stats | "unseen"): Marked {
  if (!entry?.isSymbolicLink()) return { mark: markText(entry), changedMs: changedMs(entry) };
  const seen = target === "unseen" ? undefined : target;
  return { mark: `${markText(entry)}>${seen ? markText(seen) : "!"}`, changedMs: Math.max(changedMs(entry), changedMs(seen)) };
}

/** `stat` of `path`, following links, or "unseen". */
function targetSync(path: string): Stats | "unseen" {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? "unseen";
  } catch {
    return "unseen";
  }
}

/** The mark of `path`, a final symlink marked with what it leads to. */
export function markAt(path: string): Marked {
  const entry = lstatSync(path, { throwIfNoEntry: false });
  return marked(entry, entry?.isSymbolicLink() ? targetSync(path) : undefined);
}

/** markAt in the thread pool, for long lists that must not hold the event loop. */
export async function markAtAsync(path: string): Promise<Marked> {
  const entry = await lstat(path).catch(() => undefined);
  return marked(entry, entry?.isSymbolicLink() ? await stat(path).catch(() => "unseen" as const) : undefined);
}

/** The marks of `paths` as one string. */
export const marksOf = (paths: readonly string[]) => paths.map((path) => markAt(path).mark).join("|");
