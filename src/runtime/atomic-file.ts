/**
 * Replacing a file so that no reader, and no crash, ever leaves it half-written: the content goes
 * to a temp file (created exclusively, fsynced), which is then renamed over the target. One rule
 * names every temp file patchbay makes, so one sweep can tell a temp left by a killed writer from
 * anything else in the folder and remove exactly those.
 */
import { closeSync, fsyncSync, promises as fsp, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isProcessAlive } from "./process-liveness.ts";

/** A temp file this old belongs to a writer that died (or whose pid was reused); a real write takes milliseconds. */
const ORPHAN_TEMP_AGE_MS = 10 * 60_000;

/** The part of the target's name kept in a temp name, in bytes: enough to recognise it, short of NAME_MAX (255). */
const KEPT_NAME_BYTES = 96;

/** `.<target name>.patchbay-<writer pid>-<uuid>.tmp`: hidden, beside or for its target, owned by one writer. */
const TEMP_NAME = /^\.(.*)\.patchbay-(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * The name of a new temp file for `target` (a path or a name), written by process `pid`.
 *
 * @example
 * tempNameFor("/home/me/.patchbay/config.toml"); // ".config.toml.patchbay-4242-0f1e…-….tmp"
 */
export function tempNameFor(target: string, pid = process.pid): string {
  return `.${keptName(target)}.patchbay-${pid}-${crypto.randomUUID()}.tmp`;
}

function keptName(target: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(basename(target)).subarray(0, KEPT_NAME_BYTES));
}

/** Whether `name` is a temp file name made by `tempNameFor`; listings of a folder patchbay writes into skip these. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

export interface AtomicWriteOptions {
  /** The new file's mode (default 0600); the temp file has it from creation, so the content is never readable wider. */
  mode?: number;
  /** Where the temp file goes (default: beside the target); must be on the target's filesystem. */
  tempDir?: string;
  /** Creates the target's folder (and `tempDir`) with mode 0700 when missing. */
  createDirs?: boolean;
}

/**
 * Writes `data` to a new temp file at `temp` (which must not exist) and fsyncs it: without fsync a
 * crash after the rename can leave the target's name pointing at empty data. `durable: false`
 * skips the fsync, for files whose content means nothing after a crash of the machine (lock files).
 */
export async function writeTempFile(temp: string, data: string | Uint8Array, mode = 0o600, { durable = true } = {}): Promise<void> {
  const handle = await fsp.open(temp, "wx", mode);
  try {
    // `mode` at creation is masked by the umask; set it exactly.
    await handle.chmod(mode);
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `data` atomically; a temp this writer leaves on failure is removed, and so are
 * stale temps of the same target left by writers that were killed.
 *
 * @example
 * await writeFileAtomic("/home/me/.patchbay/profiles/roots.json", "{}\n", { createDirs: true });
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const tempDir = options.tempDir ?? dirname(file);
  if (options.createDirs) await Promise.all([fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 }), fsp.mkdir(tempDir, { recursive: true, mode: 0o700 })]);
  if (!options.tempDir) await sweepStaleTemps(tempDir, { target: basename(file) });
  const temp = join(tempDir, tempNameFor(file));
  try {
    await writeTempFile(temp, data, options.mode);
    await fsp.rename(temp, file);
  } catch (error) {
    await fsp.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** `writeFileAtomic` for callers that cannot wait (the owner record, updated from synchronous code). */
export function writeFileAtomicSync(file: string, data: string, options: { mode?: number } = {}): void {
  const mode = options.mode ?? 0o600;
  const temp = join(dirname(file), tempNameFor(file));
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  }
}

/**
 * Removes the temp files in `dir` (only names `tempNameFor` makes; `target` narrows to one target's)
 * whose writer is gone, however fresh, and any older than ten minutes (a live pid may be a later
 * process reusing it). A live writer's temp stays: it may be mid-write. Returns how many went.
 */
export async function sweepStaleTemps(dir: string, options: { target?: string } = {}): Promise<number> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const removed = await Promise.all(names.map((name) => removeIfStale(dir, name, options.target)));
  return removed.filter(Boolean).length;
}

async function removeIfStale(dir: string, name: string, target: string | undefined): Promise<boolean> {
  const match = TEMP_NAME.exec(name);
  if (!match) return false;
  if (target !== undefined && match[1] !== keptName(target)) return false;
  const pid = Number(match[2]);
  try {
    const writerGone = pid !== process.pid && !isProcessAlive(pid);
    if (!writerGone && Date.now() - (await fsp.stat(join(dir, name))).mtimeMs < ORPHAN_TEMP_AGE_MS) return false;
    await fsp.unlink(join(dir, name));
    return true;
  } catch {
    return false; // renamed into place or removed by someone else meanwhile
  }
}
