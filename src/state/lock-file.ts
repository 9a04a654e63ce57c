/**
 * One lock file, the primitive under the file locks patchbay takes (state's waiting `withLock`, the
 * repository lock that refuses at once, the server's ownership of a home): published whole with link() from a temp draft, so it is
 * never seen half-written and two publishers cannot both win (link fails like O_EXCL); broken when
 * the caller judges it stale, claimed by rename first so of several breakers only one deletes it
 * and a lock taken over meanwhile is put back; released only by the token that took it. Whether a
 * holder is gone is one rule too (`holderGone`), which the pipeline's run lock also uses.
 */
import { promises as fsp } from "node:fs";
import { hostname, uptime } from "node:os";
import { join } from "node:path";
import { isProcessAlive, processStartTime, tempNameFor, writeTempFile } from "../runtime/index.ts";

/** What a lock file records about its holder: its pid at least; callers add their own fields. */
export interface LockFileHolder {
  pid: number;
  /** Where the holder runs; absent means this host. */
  hostname?: string;
  /** What releases it (`releaseLockFile`). */
  token?: string;
}

/** A lock file as read: its holder (undefined when the content is damaged) and how long since it was written or touched. */
export interface LockFileState<H> {
  holder?: H;
  ageMs: number;
  /** Written before this machine last started: no process running now wrote it. */
  beforeBoot: boolean;
}

/**
 * Creates `file` (mode 0600) holding `holder`, or returns false when it already exists. The draft
 * goes to `tempDir` (on the same filesystem). It is not fsynced (every state write takes a lock:
 * that was one of its two fsyncs): a lock means something only while its holder runs, and one a
 * crash of the machine left empty is older than the boot, which takers read as stale (`beforeBoot`).
 */
export async function publishLockFile(file: string, tempDir: string, holder: LockFileHolder, options: { indent?: number } = {}): Promise<boolean> {
  const draft = join(tempDir, tempNameFor(file));
  await writeTempFile(draft, JSON.stringify(holder, null, options.indent), 0o600, { durable: false });
  try {
    await fsp.link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await fsp.unlink(draft).catch(() => undefined);
  }
}

/** The lock file's state, or undefined when there is none. A holder without a numeric pid counts as damaged. */
export async function readLockFile<H extends LockFileHolder>(file: string): Promise<LockFileState<H> | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([fsp.readFile(file, "utf8"), fsp.stat(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return { holder: parseHolder<H>(text), ageMs: Date.now() - mtimeMs, beforeBoot: mtimeMs < bootedAt() - BOOT_MARGIN_MS };
}

/** uptime() is whole seconds on some systems: a file this close to the boot is not judged by it. */
const BOOT_MARGIN_MS = 2_000;

function bootedAt(): number {
  return Date.now() - uptime() * 1000;
}

function parseHolder<H extends LockFileHolder>(text: string): H | undefined {
  try {
    const value = JSON.parse(text) as Partial<H>;
    return typeof value.pid === "number" && (value.hostname === undefined || typeof value.hostname === "string") ? (value as H) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes `file` when `isStale` says so; true when the caller should try to take it again at once
 * (the lock was broken, or is gone).
 */
export async function breakLockFile<H extends LockFileHolder>(file: string, tempDir: string, isStale: (state: LockFileState<H>) => boolean): Promise<boolean> {
  const state = await readLockFile<H>(file);
  if (!state) return true;
  if (!isStale(state)) return false;
  const claimed = join(tempDir, tempNameFor(file));
  try {
    await fsp.rename(file, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  const claimedState = await readLockFile<H>(claimed);
  // Someone took the lock over between our read and the rename: put theirs back (link never overwrites).
  if (claimedState && !isStale(claimedState)) await fsp.link(claimed, file).catch(() => undefined);
  await fsp.unlink(claimed).catch(() => undefined);
  return true;
}

/** Deletes `file` only while it is still the one `token` took: after a takeover it belongs to someone else. */
export async function releaseLockFile(file: string, token: string): Promise<void> {
  const state = await readLockFile(file).catch(() => undefined);
  if (state?.holder?.token === token) await fsp.unlink(file).catch(() => undefined);
}

/**
 * Whether a lock's holder is gone. A holder on another host cannot be judged (never gone). Our own
 * pid is gone when the caller knows nobody in this process holds the lock (`heldHere: false`: an
 * earlier process with the same pid, common in containers, left it). Otherwise the process must
 * be dead, or, when its start time was recorded, be a later process reusing the pid.
 */
export function holderGone(holder: { pid: number; hostname?: string; pid_started?: string }, options: { heldHere?: boolean } = {}): boolean {
  if (holder.hostname !== undefined && holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid && options.heldHere !== undefined) return !options.heldHere;
  if (!holder.pid || !isProcessAlive(holder.pid)) return true;
  return holder.pid_started !== undefined && processStartTime(holder.pid) !== holder.pid_started;
}
