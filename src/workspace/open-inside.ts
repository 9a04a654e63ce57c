/**
 * Opening a file found by its path inside a repository so that what is read is that file itself:
 * not one reached through a directory swapped for a symlink (O_NOFOLLOW guards the last name only,
 * so the descriptor's location must be the path), and not a file sharing its bytes, through a
 * second hard link, with one outside. Judged on the descriptor that is read, never on the name
 * later, which a racing swap changes between the check and the read.
 */
import { constants, promises as fsp, readlinkSync, realpathSync } from "node:fs";

/** Whether `handle` is the file at `path` (a real path, as the root is). */
function openedAt(handle: fsp.FileHandle, path: string): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${handle.fd}`) === path;
  } catch {
    // No /proc (not Linux): resolve the name again, as guarded-fs.ts does; a name gone since is skipped.
    return realpathIfAny(path) === path;
  }
}

function realpathIfAny(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The open regular file at `path` with its stat, or undefined when it is not one, is reached
 * through a symlink, or has a second hard link. The caller closes the handle.
 *
 * @example
 * const opened = await openFileInside("/srv/repo/src/a.ts");
 * if (opened) try { console.log(opened.info.size); } finally { await opened.handle.close(); }
 */
export async function openFileInside(path: string): Promise<{ handle: fsp.FileHandle; info: import("node:fs").Stats } | undefined> {
  // O_NONBLOCK: a FIFO put in the file's place must not hold the open until a writer comes.
  const handle = await fsp.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    if (openedAt(handle, path)) {
      const info = await handle.stat();
      if (info.isFile() && info.nlink <= 1) return { handle, info };
    }
  } catch {
    // Gone or unreadable since the open: not shown.
  }
  await handle.close();
  return undefined;
}
