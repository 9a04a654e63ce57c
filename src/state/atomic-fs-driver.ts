/**
 * An unstorage driver that reads, lists and watches through the stock `fs` driver but writes
 * through a temp file, fsync and rename. The stock driver writes in place, so a reader (or a
 * process killed mid-write) sees an empty or half-written file.
 */
import { promises as fsp } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineDriver } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { PatchbayError } from "../errors/index.ts";
import { LOCKS_DIRNAME, TEMP_DIRNAME } from "./layout.ts";
import { isProcessAlive } from "./process-liveness.ts";

/** A temp file this old belongs to a writer that died (or whose pid was reused); a real write takes milliseconds. */
const ORPHAN_TEMP_AGE_MS = 10 * 60_000;

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
  const write = (key: string, value: string | Uint8Array) => writeAtomically(base, fileForKey(base, key), value);
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

async function writeAtomically(base: string, file: string, value: string | Uint8Array): Promise<void> {
  const tempDir = join(base, TEMP_DIRNAME);
  await Promise.all([fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 }), fsp.mkdir(tempDir, { recursive: true, mode: 0o700 })]);
  const temp = join(tempDir, `${process.pid}-${crypto.randomUUID()}`);
  try {
    const handle = await fsp.open(temp, "wx", 0o600);
    try {
      await handle.writeFile(value);
      // Without fsync a crash after the rename can leave the new name pointing at empty data.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, file);
  } catch (error) {
    await fsp.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Delete temp files left by writers and lockers that were killed mid-way. Every temp name starts
 * with its writer's pid (`<pid>-…`): a file whose writer is gone is removed at once, and any
 * file past ORPHAN_TEMP_AGE_MS is removed too (a live pid may be a later process reusing it).
 */
export async function removeOrphanTemps(base: string): Promise<void> {
  const tempDir = join(resolve(base), TEMP_DIRNAME);
  const names = await fsp.readdir(tempDir).catch(() => [] as string[]);
  await Promise.all(names.map((name) => removeIfOrphaned(join(tempDir, name), writerPid(name))));
}

function writerPid(name: string): number | undefined {
  const pid = Number(/^(\d+)-/.exec(name)?.[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

async function removeIfOrphaned(file: string, pid: number | undefined): Promise<void> {
  try {
    const writerGone = pid !== undefined && pid !== process.pid && !isProcessAlive(pid);
    if (writerGone || Date.now() - (await fsp.stat(file)).mtimeMs >= ORPHAN_TEMP_AGE_MS) await fsp.unlink(file);
  } catch {
    // Renamed into place or removed by someone else meanwhile.
  }
}
