/**
 * File access that re-checks the location it actually opened. The path guard resolves a path once;
 * a symlink swapped in after that check (a race) must still not lead outside the repository, so
 * files are opened without following a final symlink and the opened descriptor's real location is
 * verified (through /proc/self/fd on Linux, by resolving again elsewhere).
 */
import { closeSync, constants, fstatSync, promises as fsp, openSync, read as readFd, readlinkSync, readSync, realpathSync } from "node:fs";
import { promisify } from "node:util";
import { relative, sep } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { tempNameFor } from "../runtime/index.ts";
import { isGitDirName } from "./names.ts";
import { isInside } from "./path-guard.ts";
import { openDirInside } from "./pinned-dir.ts";

/** Bytes scanned for a NUL to call a file binary, as git does. */
const BINARY_SNIFF_BYTES = 8000;

async function openedLocation(handle: fsp.FileHandle, fallback: string): Promise<string> {
  try {
    return await fsp.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return fsp.realpath(fallback);
  }
}

/** Where the descriptor `fd` (opened as `fallback`) sits now: its /proc link, or `fallback` resolved again where there is no /proc. */
export function openedLocationSync(fd: number, fallback: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return realpathSync(fallback);
  }
}

function assertLocationInside(location: string, root: string, path: string): void {
  if (!isInside(root, location)) {
    throw new PatchbayError("path_outside_roots", `${path} changed to lead outside the repository while it was being opened`, {
      next: "remove the symlink that points out of the repository",
    });
  }
}

async function assertOpenedInside(handle: fsp.FileHandle, root: string, path: string): Promise<void> {
  assertLocationInside(await openedLocation(handle, path), root, path);
}

function refuseSymlink(error: unknown, path: string): never {
  if ((error as NodeJS.ErrnoException).code === "ELOOP") {
    throw new PatchbayError("path_outside_roots", `${path} is a symlink, which patchbay does not follow when opening`, {
      next: "use the path the link points to, if it is inside the repository",
    });
  }
  if ((error as NodeJS.ErrnoException).code === "ENOENT")
    throw new PatchbayError("not_found", `${path} does not exist`, { next: "check the path (codex_repo_tree lists files)" });
  throw error;
}

export interface FileBytes {
  bytes: Uint8Array;
  /** Size of the whole file; more than `bytes.length` when the read stopped at the cap. */
  size: number;
  truncated: boolean;
  binary: boolean;
}

/**
 * Up to this many bytes are read without leaving the thread: open, check and read are syscalls of
 * microseconds, and Bun's promise-based fs costs several times that per step in thread hand-offs
 * (docs/benchmarks.md). Longer reads go to the thread pool so they never hold the event loop.
 */
const SYNC_READ_BYTES = 256 * 1024;
const readAsync = promisify(readFd);

/** Reads at most `maxBytes` of a regular file inside `root`, never following a final symlink. */
export async function readInside(root: string, absolute: string, maxBytes: number): Promise<FileBytes> {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO swapped in after the checks must not hang the server.
    fd = openSync(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    refuseSymlink(error, absolute);
  }
  try {
    assertLocationInside(openedLocationSync(fd, absolute), root, absolute);
    const info = fstatSync(fd);
    if (!info.isFile())
      throw new PatchbayError("not_a_file", `${absolute} is not a regular file`, { next: "read files; list directories with codex_repo_tree" });
    // Another name for the same bytes may live outside the repository (a hard link made by anyone
    // who could write there): its content is not the repository's to show or to edit.
    if (info.nlink > 1) {
      throw new PatchbayError("path_hardlink", `${absolute} has ${info.nlink} hard links, and one may be outside the repository`, {
        next:
          "replace it with a copy if it belongs in the repository (cp FILE FILE.copy && mv FILE.copy FILE); " +
          "package managers that hard-link node_modules can copy instead (bun install --backend=copyfile, pnpm package-import-method=copy)",
      });
    }
    const length = Math.min(info.size, maxBytes);
    const bytes = new Uint8Array(length);
    const bytesRead = length <= SYNC_READ_BYTES ? readSync(fd, bytes, 0, length, 0) : (await readAsync(fd, bytes, 0, length, 0)).bytesRead;
    const read = bytes.subarray(0, bytesRead);
    return { bytes: read, size: info.size, truncated: info.size > bytesRead, binary: read.subarray(0, BINARY_SNIFF_BYTES).includes(0) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces (or creates) a file inside `root` atomically: a temp file created beside it and renamed
 * over the target, both inside the parent directory held open (pinned-dir.ts), so a directory
 * swapped for a symlink mid-write cannot send either step outside the repository. A symlink at
 * the target is replaced, not followed. Parent directories must exist unless `createDirs`.
 * `mode` is set on the temp file before the rename, never on a path afterwards.
 */
export async function writeInside(
  root: string,
  absolute: string,
  content: string | Uint8Array,
  options: { createDirs?: boolean; mode?: number } = {},
): Promise<void> {
  if (!isInside(root, absolute) || absolute === root)
    throw new PatchbayError("path_outside_roots", `${absolute} is not a file inside ${root}`, { next: "pass a file path inside the repository" });
  const segments = relative(root, absolute).split(sep);
  // Whatever the blocked globs say, nothing is written into .git: a hook written there runs code.
  if (segments.some(isGitDirName)) {
    throw new PatchbayError("path_blocked", `${absolute} is inside .git, which patchbay never writes`, { next: "write files in the working tree" });
  }
  const name = segments.pop()!;
  const dir = await openDirInside(root, segments, { create: Boolean(options.createDirs) });
  try {
    // The one temp-name rule (runtime/atomic-file.ts); the write itself stays here, through the pinned directory.
    const temp = tempNameFor(name);
    await writeTemp(root, dir.at(temp), content, options.mode);
    try {
      await dir.verify();
      await fsp.rename(dir.at(temp), dir.at(name));
      await dir.verify();
    } catch (error) {
      await fsp.unlink(dir.at(temp)).catch(() => {});
      throw error;
    }
  } finally {
    await dir.close();
  }
}

async function writeTemp(root: string, temp: string, content: string | Uint8Array, mode: number | undefined): Promise<void> {
  const handle = await fsp.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await assertOpenedInside(handle, root, temp);
    // Before the content: a private file's bytes are never readable under a wider mode.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fsp.unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
}
