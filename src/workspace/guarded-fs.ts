/**
 * File access that re-checks the location it actually opened. The path guard resolves a path once;
 * a symlink swapped in after that check (a race) must still not lead outside the repository, so
 * files are opened without following a final symlink and the opened descriptor's real location is
 * verified (through /proc/self/fd on Linux, by resolving again elsewhere).
 */
import { constants, promises as fsp } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { randomUUID } from "node:crypto";
import { PatchbayError } from "../errors/index.ts";
import { isInside } from "./path-guard.ts";

/** Bytes scanned for a NUL to call a file binary, as git does. */
const BINARY_SNIFF_BYTES = 8000;

async function openedLocation(handle: fsp.FileHandle, fallback: string): Promise<string> {
  try {
    return await fsp.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return fsp.realpath(fallback);
  }
}

async function assertOpenedInside(handle: fsp.FileHandle, root: string, path: string): Promise<void> {
  const location = await openedLocation(handle, path);
  if (!isInside(root, location)) {
    throw new PatchbayError("path_outside_roots", `${path} changed to lead outside the repository while it was being opened`, { next: "remove the symlink that points out of the repository" });
  }
}

function refuseSymlink(error: unknown, path: string): never {
  if ((error as NodeJS.ErrnoException).code === "ELOOP") {
    throw new PatchbayError("path_outside_roots", `${path} is a symlink, which patchbay does not follow when opening`, { next: "use the path the link points to, if it is inside the repository" });
  }
  if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new PatchbayError("not_found", `${path} does not exist`, { next: "check the path (codex_repo_tree lists files)" });
  throw error;
}

export interface FileBytes {
  bytes: Uint8Array;
  /** Size of the whole file; more than `bytes.length` when the read stopped at the cap. */
  size: number;
  truncated: boolean;
  binary: boolean;
}

/** Reads at most `maxBytes` of a regular file inside `root`, never following a final symlink. */
export async function readInside(root: string, absolute: string, maxBytes: number): Promise<FileBytes> {
  let handle: fsp.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO swapped in after the checks must not hang the server.
    handle = await fsp.open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    refuseSymlink(error, absolute);
  }
  try {
    await assertOpenedInside(handle, root, absolute);
    const info = await handle.stat();
    if (!info.isFile()) throw new PatchbayError("not_a_file", `${absolute} is not a regular file`, { next: "read files; list directories with codex_repo_tree" });
    const length = Math.min(info.size, maxBytes);
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, 0);
    const read = bytes.subarray(0, bytesRead);
    return { bytes: read, size: info.size, truncated: info.size > bytesRead, binary: read.subarray(0, BINARY_SNIFF_BYTES).includes(0) };
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` one level at a time, each level under the real path of the one above it, checked
 * to be inside `root`: a recursive mkdir would follow a symlink swapped in after the guard ran.
 */
async function makeDirsInside(root: string, dir: string): Promise<string> {
  const missing: string[] = [];
  let existing = dir;
  while (!(await fsp.lstat(existing).then(() => true, () => false))) {
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  let real = await fsp.realpath(existing);
  for (const name of missing) {
    if (!isInside(root, real)) break;
    const next = join(real, name);
    await fsp.mkdir(next).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    real = await fsp.realpath(next);
  }
  return real;
}

/**
 * Replaces (or creates) a file inside `root` atomically: a temp file beside it, verified to sit
 * inside the repository, then renamed over the target. A symlink at the target is replaced, not
 * followed. Parent directories must exist unless `createDirs`.
 */
export async function writeInside(root: string, absolute: string, content: string | Uint8Array, options: { createDirs?: boolean } = {}): Promise<void> {
  // Whatever the blocked globs say, nothing is written into .git: a hook written there runs code.
  if (relative(root, absolute).split(sep).includes(".git")) {
    throw new PatchbayError("path_blocked", `${absolute} is inside .git, which patchbay never writes`, { next: "write files in the working tree" });
  }
  const parent = dirname(absolute);
  const realParent = options.createDirs ? await makeDirsInside(root, parent) : await fsp.realpath(parent).catch((error) => refuseSymlink(error, parent));
  if (!isInside(root, realParent)) throw new PatchbayError("path_outside_roots", `${parent} leads outside the repository`, { next: "remove the symlink that points out of the repository" });
  const temp = join(realParent, `.${basename(absolute)}.patchbay-${randomUUID()}.tmp`);
  const handle = await fsp.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await assertOpenedInside(handle, root, temp);
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fsp.unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await fsp.rename(temp, join(realParent, basename(absolute)));
  } catch (error) {
    await fsp.unlink(temp).catch(() => {});
    throw error;
  }
}
