/**
 * An unstorage driver that lists and watches through the stock `fs` driver but writes through a
 * temp file, fsync and rename (`writeFileAtomic`): the stock driver writes in place, so a reader
 * (or a process killed mid-write) sees an empty or half-written file. It reads on the calling
 * thread (`readSmallFile`): the stock driver's reads hop to the thread pool and back.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { defineDriver } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { PatchbayError } from "../errors/index.ts";
import { sweepStaleTemps, writeFileAtomic } from "../runtime/index.ts";
import { LOCKS_DIRNAME, TEMP_DIRNAME } from "./layout.ts";

const INTERNAL_DIRS = new Set([TEMP_DIRNAME, LOCKS_DIRNAME]);

export interface AtomicFsDriverOptions {
  base: string;
}

/**
 * @example
 * const storage = createStorage({ driver: atomicFsDriver({ base: "/home/me/.patchbay/state" }) });
 */
export const atomicFsDriver = defineDriver((options: AtomicFsDriverOptions) => {
  const base = resolve(options.base);
  const inner = fsDriver({ base, ignore: [internalDirMatcher(base)] as unknown as string[] });
  // Temps go to the base's own temp folder: beside the record they would show up as keys.
  const write = (key: string, value: string | Uint8Array) =>
    writeFileAtomic(fileForKey(base, key), value, { tempDir: join(base, TEMP_DIRNAME), createDirs: true });
  return {
    ...inner,
    name: "fs-atomic",
    options,
    getItem: async (key: string) => (await readSmallFile(fileForKey(base, key)))?.toString("utf8") ?? null,
    getItemRaw: (key: string) => readSmallFile(fileForKey(base, key)),
    setItem: (key: string, value: string) => write(key, value),
    setItemRaw: (key: string, value: string | Uint8Array) => write(key, value),
  };
});

/**
 * Files up to this size are read on the calling thread; larger ones in the thread pool, so that a
 * big document never holds the event loop. Records and indexes are a few KB (1,000 workers' index
 * is 83 KB).
 */
const READ_INLINE_BYTES = 1 << 20;

/**
 * A state file's bytes, or null when there is none. A small file is read with blocking calls:
 * open, fstat and one read take a few microseconds, where the thread pool's hop there and back
 * costs tens of them on every tool call that reads a record (docs/benchmarks.md).
 */
async function readSmallFile(file: string): Promise<Buffer | null> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return null;
    if (info.size > READ_INLINE_BYTES) return await readFile(file).catch((error: unknown) => (isMissing(error) ? null : Promise.reject(error)));
    // Writes replace a file by renaming a whole new one over it: the inode open here never changes size.
    const bytes = Buffer.allocUnsafe(info.size);
    let got = 0;
    for (let read = -1; got < bytes.length && read !== 0; got += read) read = readSync(fd, bytes, got, bytes.length - got, got);
    return bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A missing key reads as null, as in the stock driver, and so does one under a file or a folder (a prefix of others). */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

/**
 * Matches the temp and lock directories by absolute path. The stock default globs
 * (`**\/node_modules/**`) match anywhere in the path, so a base that sits under such a directory
 * would hide every key. anymatch, which the stock driver uses, accepts matcher functions.
 */
function internalDirMatcher(base: string): (path: string) => boolean {
  // anymatch hands over paths with forward slashes on every platform.
  const dirs = [...INTERNAL_DIRS].map((name) => join(base, name).replaceAll("\\", "/"));
  return (path) => dirs.some((dir) => path === dir || path.startsWith(`${dir}/`));
}

function fileForKey(base: string, key: string): string {
  const segments = key.split(":");
  if (segments.some((segment) => segment === "." || segment === "..") || INTERNAL_DIRS.has(segments[0] ?? "")) {
    throw new PatchbayError("invalid_key", `storage key ${JSON.stringify(key)} is not allowed`, {
      next: "build keys with the helpers in src/state/keys.ts",
      details: { key },
    });
  }
  return join(base, ...segments);
}

/** Deletes temp files left by writers and lockers that were killed mid-way (`sweepStaleTemps`). */
export async function removeOrphanTemps(base: string): Promise<void> {
  await sweepStaleTemps(join(resolve(base), TEMP_DIRNAME));
}
