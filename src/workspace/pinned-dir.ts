/**
 * A directory inside the repository, reached one component at a time and held open, so that
 * creating, renaming and making directories in it cannot be redirected by a path component that
 * is swapped for a symlink after the checks (issue #11, finding 4).
 *
 * On Linux every step goes through `/proc/self/fd/<fd>/<name>`: the magic link names the directory
 * already opened, not whatever its path leads to now, and each component is opened with
 * O_NOFOLLOW, so a symlink swapped in anywhere is refused instead of followed. Where /proc is not
 * mounted (macOS, minimal containers) node:fs has no way to name an open directory, so the
 * fallback walks by path, refusing symlinks, and re-verifies the directory's real path and inode
 * before and after each use: that detects a swap and refuses, but cannot close the window
 * entirely, which is why /proc is preferred whenever it works.
 */
import { constants, promises as fsp } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { isInside } from "./path-guard.ts";

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

export interface PinnedDir {
  /** A path naming `name` inside exactly this directory (never a symlink's target). */
  at(name: string): string;
  /** Throws unless the directory is still the one that was opened, at its place inside the root. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

function moved(path: string): PatchbayError {
  return new PatchbayError("path_outside_roots", `${path} changed while patchbay was writing to it (a directory was moved or replaced by a symlink)`, {
    next: "retry once nothing else renames directories in the repository; remove any symlink that points out of it",
  });
}

function notADirectory(path: string): PatchbayError {
  return new PatchbayError("path_outside_roots", `${path} is a symlink or not a directory, which patchbay does not follow when writing`, {
    next: "write through the real directory, inside the repository",
  });
}

function refuseStep(error: unknown, path: string): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") throw new PatchbayError("not_found", `${path} does not exist`, { next: "pass create_dirs: true to create missing directories" });
  if (code === "ENOTDIR" || code === "ELOOP") throw notADirectory(path);
  throw error;
}

/** Components of a path below the root; "", "." and ".." never name a directory to step into. */
function assertPlainSegments(segments: readonly string[], path: string): void {
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw new PatchbayError("path_invalid", `${path} is not a plain path below the repository`, { next: "pass a plain path relative to the repository root" });
  }
}

async function mkdirIfMissing(path: string): Promise<void> {
  await fsp.mkdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
}

async function openStep(path: string, create: boolean): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(path, DIR_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || !create) throw error;
  }
  // mkdir never follows a final symlink: if one appears under this name, it fails with EEXIST and the open refuses it.
  await mkdirIfMissing(path);
  return fsp.open(path, DIR_FLAGS);
}

/** Walks from the opened root through /proc/self/fd, each step pinned by the one before it. */
async function pinThroughProc(rootHandle: fsp.FileHandle, root: string, segments: readonly string[], create: boolean): Promise<PinnedDir> {
  let handle = rootHandle;
  let shown = root;
  try {
    for (const name of segments) {
      shown = join(shown, name);
      const next = await openStep(`/proc/self/fd/${handle.fd}/${name}`, create).catch((error) => refuseStep(error, shown));
      await handle.close();
      handle = next;
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  const fd = handle.fd;
  return {
    at: (name) => `/proc/self/fd/${fd}/${name}`,
    // The walk cannot be redirected, but the pinned directory itself could be moved out of the root.
    verify: async () => {
      if (!isInside(root, await fsp.readlink(`/proc/self/fd/${fd}`))) throw moved(shown);
    },
    close: () => handle.close(),
  };
}

/**
 * Without /proc: walk by path refusing symlinks, then hold the directory's identity and re-check it
 * around every use. Exported so the fallback is tested on Linux too, where /proc always answers.
 */
export async function openDirByPath(root: string, segments: readonly string[], options: { create: boolean }): Promise<PinnedDir> {
  assertPlainSegments(segments, join(root, ...segments));
  let path = root;
  for (const name of segments) {
    path = join(path, name);
    const info = await fsp.lstat(path).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT" || !options.create) refuseStep(error, path);
      await mkdirIfMissing(path);
      return fsp.lstat(path);
    });
    if (!info.isDirectory()) throw notADirectory(path);
    if ((await fsp.realpath(path)) !== path) throw moved(path);
  }
  const handle = await fsp.open(path, DIR_FLAGS).catch((error) => refuseStep(error, path));
  const pinned = await handle.stat();
  const verify = async () => {
    const [real, now] = await Promise.all([fsp.realpath(path), fsp.lstat(path)]);
    if (real !== path || now.ino !== pinned.ino || now.dev !== pinned.dev) throw moved(path);
  };
  try {
    await verify();
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { at: (name) => join(path, name), verify, close: () => handle.close() };
}

/**
 * Opens the directory `segments` below `root` (a real path), creating missing levels when
 * `create`, without following a symlink at any level.
 *
 * @example
 * const dir = await openDirInside("/srv/repo", ["src", "lib"], { create: false });
 * try { await fsp.rename(dir.at(".tmp"), dir.at("a.ts")); } finally { await dir.close(); }
 */
export async function openDirInside(root: string, segments: readonly string[], options: { create: boolean }): Promise<PinnedDir> {
  assertPlainSegments(segments, join(root, ...segments));
  const rootHandle = await fsp.open(root, DIR_FLAGS).catch((error) => refuseStep(error, root));
  const location = await fsp.readlink(`/proc/self/fd/${rootHandle.fd}`).catch(() => undefined);
  if (location === undefined) {
    await rootHandle.close();
    return openDirByPath(root, segments, options);
  }
  if (location !== root) {
    await rootHandle.close();
    throw moved(root);
  }
  return pinThroughProc(rootHandle, root, segments, options.create);
}
