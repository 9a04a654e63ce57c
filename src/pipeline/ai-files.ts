/**
 * File access under the pipeline's `.ai/` folder. Everything patchbay keeps there is its own, so
 * every folder on the way must be a real directory and every file a regular one: a symlink could
 * lead out of the repository (or to `.env` inside it), a FIFO or device would hang or never end
 * a read. Opens never follow a final symlink and never block, the opened descriptor must sit
 * exactly where the path says, and reads stop at a size cap.
 */
import { closeSync, constants, type Dirent, fstatSync, promises as fsp, openSync, type Stats, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { openedLocationSync, writeInside } from "../workspace/index.ts";

/** A refusal naming the `.ai` path (relative to the repository) and what to do about it. */
export function unsafeAiPath(repo: string, path: string, why: string): PatchbayError {
  return new PatchbayError(
    "pipeline_path_unsafe",
    `${path} in ${repo} ${why}; patchbay keeps pipeline files only in real folders and regular files inside the repository`,
    {
      next: `remove ${path} (git rm it if it is committed) and run the command again; patchbay creates what it needs under .ai itself`,
      details: { path },
    },
  );
}

/**
 * The real directory `relDir` (`.ai`, `.ai/runs/<id>`, …) of the repository, checked level by
 * level: a symlink or a non-directory anywhere on the way is refused. Missing levels are created
 * with `create`, else the answer is `undefined`.
 */
export async function aiDirectory(repo: string, relDir: string, options: { create?: boolean } = {}): Promise<string | undefined> {
  let current = await fsp.realpath(repo);
  let rel = "";
  for (const segment of relDir.split("/").filter(Boolean)) {
    current = join(current, segment);
    rel = rel ? `${rel}/${segment}` : segment;
    let info = await fsp.lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (!info) {
      if (!options.create) return undefined;
      // One level at a time and never recursive: mkdir of an existing symlink fails instead of following it.
      await fsp.mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      info = await fsp.lstat(current);
    }
    if (info.isSymbolicLink()) throw unsafeAiPath(repo, rel, "is a symlink");
    if (!info.isDirectory()) throw unsafeAiPath(repo, rel, "is not a directory");
  }
  return current;
}

/** Opens of a file that keeps being replaced between open and check, before giving up. */
const MAX_OPEN_ATTEMPTS = 8;

/** Refuses a descriptor (found at `location`) that is not a regular file of its own at exactly `absolute`. */
function assertOpenedAt(location: string, absolute: string, repo: string, rel: string, info: Stats): void {
  // A folder swapped for a symlink after the checks above moves the descriptor elsewhere.
  if (location !== absolute) throw unsafeAiPath(repo, rel, "moved while it was being opened");
  if (!info.isFile()) throw unsafeAiPath(repo, rel, "is not a regular file");
  // A hard link shares its content with a file elsewhere, such as .env.
  if (info.nlink > 1) throw unsafeAiPath(repo, rel, "has other hard links");
}

function refusedOpen(error: unknown, repo: string, rel: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return unsafeAiPath(repo, rel, "is a symlink");
  // A FIFO without a reader refuses a non-blocking open for writing.
  if (code === "ENXIO") return unsafeAiPath(repo, rel, "is not a regular file");
  return error;
}

/**
 * Opens `.ai/…/name` without following it, refusing anything but a regular file at exactly that place.
 * A file replaced (renamed over, as every state write does) or removed right after it was opened
 * is opened again: the reader gets the new version, or nothing when it is gone.
 */
async function openAiFile(repo: string, rel: string, flags: number, mode?: number): Promise<fsp.FileHandle | undefined> {
  const dir = await aiDirectory(repo, dirname(rel), { create: (flags & constants.O_CREAT) !== 0 });
  if (!dir) return undefined;
  const absolute = join(dir, rel.split("/").at(-1)!);
  for (let attempt = 1; ; attempt++) {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(absolute, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw refusedOpen(error, repo, rel);
    }
    try {
      const location = openedLocationSync(handle.fd, absolute);
      // Stat after the location: unlinked by then, the location may name it "(deleted)".
      const info = await handle.stat();
      if (info.nlink === 0 && attempt < MAX_OPEN_ATTEMPTS) {
        await handle.close();
        continue;
      }
      assertOpenedAt(location, absolute, repo, rel, info);
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
}

export interface AiFileText {
  text: string;
  /** Size of the whole file. */
  size: number;
  /** True when the file is larger than the bytes read. */
  truncated: boolean;
  /** When the file was last written (epoch ms). */
  modifiedMs: number;
}

/**
 * Reads at most `maxBytes` of `.ai/…` (the last bytes with `fromEnd`), or `undefined` when the
 * file does not exist.
 *
 * @example
 * const run = await readAiFile(repo, ".ai/runs/run_x/run.json", { maxBytes: 1 << 20 });
 */
export async function readAiFile(repo: string, rel: string, options: { maxBytes: number; fromEnd?: boolean }): Promise<AiFileText | undefined> {
  const handle = await openAiFile(repo, rel, constants.O_RDONLY);
  if (!handle) return undefined;
  try {
    const { size, mtimeMs } = await handle.stat();
    const length = Math.min(size, options.maxBytes);
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, options.fromEnd ? size - length : 0);
    return { text: bytes.subarray(0, bytesRead).toString("utf8"), size, truncated: size > bytesRead, modifiedMs: mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Replaces `.ai/…` atomically (creating its folders), through the workspace's guarded write. */
export async function writeAiFile(repo: string, rel: string, content: string): Promise<void> {
  const dir = (await aiDirectory(repo, dirname(rel), { create: true }))!;
  await writeInside(await fsp.realpath(repo), join(dir, rel.split("/").at(-1)!), content);
}

/** Appends to `.ai/…`, creating it when missing. */
export async function appendAiFile(repo: string, rel: string, content: string): Promise<void> {
  const handle = (await openAiFile(repo, rel, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644))!;
  try {
    await handle.write(content);
  } finally {
    await handle.close();
  }
}

/**
 * Creates `.ai/…` with `content`, failing with EEXIST when it exists (a lock). Created and written
 * with no await between, so nothing else in this process reads it empty; another process can, for
 * the microseconds between the two calls (readPhaseLock allows for that).
 */
export async function createAiFile(repo: string, rel: string, content: string, mode = 0o600): Promise<void> {
  const dir = (await aiDirectory(repo, dirname(rel), { create: true }))!;
  const absolute = join(dir, rel.split("/").at(-1)!);
  let fd: number;
  try {
    fd = openSync(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (error) {
    throw refusedOpen(error, repo, rel);
  }
  try {
    writeFileSync(fd, content);
    assertOpenedAt(openedLocationSync(fd, absolute), absolute, repo, rel, fstatSync(fd));
  } finally {
    closeSync(fd);
  }
}

/** Removes a file or a folder of `.ai/…` (a symlink there is removed, never followed). */
export async function removeAiPath(repo: string, rel: string): Promise<void> {
  const dir = await aiDirectory(repo, dirname(rel));
  if (!dir) return;
  await fsp.rm(join(dir, rel.split("/").at(-1)!), { recursive: true, force: true });
}

/** The entries of the folder `.ai/…` (none when it does not exist). */
export async function listAiDirectory(repo: string, relDir: string): Promise<Dirent[]> {
  const dir = await aiDirectory(repo, relDir);
  return dir ? fsp.readdir(dir, { withFileTypes: true }) : [];
}
