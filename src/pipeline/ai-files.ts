/**
 * File access under the pipeline's `.ai/` folder. Everything patchbay keeps there is its own, so
 * every folder on the way must be a real directory and every file a regular one: a symlink could
 * lead out of the repository (or to `.env` inside it), a FIFO or device would hang or never end
 * a read. Opens never follow a final symlink and never block, the opened descriptor must sit
 * exactly where the path says, and reads stop at a size cap.
 */
import { constants, type Dirent, promises as fsp } from "node:fs";
import { dirname, join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { writeInside } from "../workspace/index.ts";

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

async function openedLocation(handle: fsp.FileHandle, path: string): Promise<string> {
  try {
    return await fsp.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return fsp.realpath(path);
  }
}

/** Opens `.ai/…/name` without following it, refusing anything but a regular file at exactly that place. */
async function openAiFile(repo: string, rel: string, flags: number, mode?: number): Promise<fsp.FileHandle | undefined> {
  const dir = await aiDirectory(repo, dirname(rel), { create: (flags & constants.O_CREAT) !== 0 });
  if (!dir) return undefined;
  const absolute = join(dir, rel.split("/").at(-1)!);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(absolute, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw unsafeAiPath(repo, rel, "is a symlink");
    // A FIFO without a reader refuses a non-blocking open for writing.
    if (code === "ENXIO") throw unsafeAiPath(repo, rel, "is not a regular file");
    throw error;
  }
  try {
    // A folder swapped for a symlink after the checks above moves the descriptor elsewhere.
    if ((await openedLocation(handle, absolute)) !== absolute) throw unsafeAiPath(repo, rel, "moved while it was being opened");
    const info = await handle.stat();
    if (!info.isFile()) throw unsafeAiPath(repo, rel, "is not a regular file");
    // A hard link shares its content with a file elsewhere, such as .env.
    if (info.nlink > 1) throw unsafeAiPath(repo, rel, "has other hard links");
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export interface AiFileText {
  text: string;
  /** Size of the whole file. */
  size: number;
  /** True when the file is larger than the bytes read. */
  truncated: boolean;
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
    const { size } = await handle.stat();
    const length = Math.min(size, options.maxBytes);
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, options.fromEnd ? size - length : 0);
    return { text: bytes.subarray(0, bytesRead).toString("utf8"), size, truncated: size > bytesRead };
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

/** Creates `.ai/…` with `content`, failing with EEXIST when it exists (a lock). */
export async function createAiFile(repo: string, rel: string, content: string, mode = 0o600): Promise<void> {
  const handle = (await openAiFile(repo, rel, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode))!;
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
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
