/**
 * An unstorage driver that reads, lists and watches through the stock `fs` driver but writes
 * through a temp file, fsync and rename (`writeFileAtomic`). The stock driver writes in place, so
 * a reader (or a process killed mid-write) sees an empty or half-written file.
 */
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
    setItem: (key: string, value: string) => write(key, value),
    setItemRaw: (key: string, value: string | Uint8Array) => write(key, value),
  };
});

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
