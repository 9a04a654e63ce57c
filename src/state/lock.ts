/**
 * A named cross-process lock: an exclusively created lock file `<base>/.locks/<name>.lock` holding
 * the owner's pid, hostname and start time (the one lock file of `lock-file.ts`), plus an
 * in-process queue so callers in one process wait their turn instead of polling the file. A lock
 * is taken over when its holder is gone or it was not refreshed for `staleMs`. Not safe on NFS.
 */
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { LOCKS_DIRNAME, TEMP_DIRNAME } from "./layout.ts";
import { breakLockFile, holderGone, type LockFileHolder, type LockFileState, publishLockFile, readLockFile, releaseLockFile } from "./lock-file.ts";

export interface LockOptions {
  /** State base directory; the lock file goes in `<base>/.locks/`. */
  base: string;
  /** How long to wait for the lock before failing with `lock_timeout`. */
  timeoutMs?: number;
  /** A lock whose file has not been refreshed for this long is taken over, even if its owner looks alive. */
  staleMs?: number;
}

interface LockHolder extends LockFileHolder {
  hostname: string;
  token: string;
  at: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_MS = 60_000;
const LOCK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,159}$/;

/** Tail of each lock file's in-process queue, keyed by absolute lock file path. */
const queues = new Map<string, Promise<void>>();

/**
 * Run `fn` while holding the lock `name`. Not reentrant: taking the same lock inside `fn` waits
 * for itself and times out.
 *
 * @example
 * await withLock("repo-main", () => integrate(), { base: "/home/me/.patchbay/state" });
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  assertLockName(name);
  const base = resolve(options.base);
  const file = join(base, LOCKS_DIRNAME, `${name}.lock`);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const endTurn = await waitForTurn(name, file, deadline);
  try {
    const token = await acquireFile(name, file, join(base, TEMP_DIRNAME), deadline, staleMs);
    // Refresh the file's mtime so a long-running owner is never mistaken for a stale one.
    const heartbeat = setInterval(() => touch(file), Math.max(staleMs / 3, 10));
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await releaseLockFile(file, token);
    }
  } finally {
    endTurn();
  }
}

export function assertLockName(name: string): void {
  if (LOCK_NAME_PATTERN.test(name) && !name.includes("..")) return;
  throw new PatchbayError("invalid_lock_name", `lock name ${JSON.stringify(name)} is not a safe file name`, {
    next: 'use 1-160 characters from A-Z a-z 0-9 _ . - starting with a letter or digit, without ".."',
    details: { lock: name },
  });
}

/** Wait until earlier callers in this process are done with `file`; returns the function that ends our turn. */
async function waitForTurn(name: string, file: string, deadline: number): Promise<() => void> {
  const previous = queues.get(file) ?? Promise.resolve();
  let endTurn!: () => void;
  const ours = new Promise<void>((done) => (endTurn = done));
  const tail = previous.then(() => ours);
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  try {
    await beforeDeadline(previous, deadline);
  } catch {
    // Ending our turn at once keeps later callers queued behind the earlier one, not behind us.
    endTurn();
    throw await timeoutError(name, file);
  }
  return endTurn;
}

async function beforeDeadline(promise: Promise<void>, deadline: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("deadline")), Math.max(deadline - Date.now(), 0));
  });
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function acquireFile(name: string, file: string, tempDir: string, deadline: number, staleMs: number): Promise<string> {
  await Promise.all([fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 }), fsp.mkdir(tempDir, { recursive: true, mode: 0o700 })]);
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const holder: LockHolder = { pid: process.pid, hostname: hostname(), at: Date.now(), token: crypto.randomUUID() };
    if (await publishLockFile(file, tempDir, holder)) return holder.token;
    if (await breakLockFile<LockHolder>(file, tempDir, (state) => isStale(state, staleMs))) continue;
    if (Date.now() >= deadline) throw await timeoutError(name, file);
    await sleep(delay + Math.random() * delay);
  }
}

function isStale(state: LockFileState<LockHolder>, staleMs: number): boolean {
  if (state.ageMs > staleMs) return true;
  // Damaged by a crash of the machine (lock files are not fsynced): nobody running now holds it.
  if (state.holder === undefined && state.beforeBoot) return true;
  // An unreadable file was damaged by someone else: only its age can tell. Our queue says nobody
  // in this process holds the lock, so our own pid in it was left by an earlier process.
  return state.holder !== undefined && holderGone(state.holder, { heldHere: false });
}

function touch(file: string): void {
  const now = new Date();
  fsp.utimes(file, now, now).catch(() => undefined);
}

async function timeoutError(name: string, file: string): Promise<PatchbayError> {
  const holder = (await readLockFile<LockHolder>(file).catch(() => undefined))?.holder ?? { pid: process.pid, hostname: hostname(), at: Date.now() };
  const since = Number.isFinite(holder.at) ? ` since ${new Date(holder.at).toISOString()}` : "";
  return new PatchbayError("lock_timeout", `lock "${name}" is held by pid ${holder.pid} on ${holder.hostname}${since}`, {
    next: `wait for pid ${holder.pid} to finish, or stop it if it is stuck; a lock left by a dead process is taken over automatically`,
    details: { lock: name, file, pid: holder.pid, hostname: holder.hostname },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
