/**
 * A named cross-process lock: an exclusively created lock file `<base>/.locks/<name>.lock` holding
 * the owner's pid, hostname and start time, plus an in-process queue so callers in one process wait
 * their turn instead of polling the file. Not safe on NFS.
 */
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { LOCKS_DIRNAME, TEMP_DIRNAME } from "./layout.ts";
import { isProcessAlive, tempNameFor, writeTempFile } from "../runtime/index.ts";

export interface LockOptions {
  /** State base directory; the lock file goes in `<base>/.locks/`. */
  base: string;
  /** How long to wait for the lock before failing with `lock_timeout`. */
  timeoutMs?: number;
  /** A lock whose file has not been refreshed for this long is taken over, even if its owner looks alive. */
  staleMs?: number;
}

interface LockHolder {
  pid: number;
  hostname: string;
  at: number;
  token: string;
}

interface LockFileState {
  holder?: LockHolder;
  ageMs: number;
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
      await releaseFile(file, token);
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
    const token = await tryCreate(file, tempDir);
    if (token) return token;
    if (await breakIfStale(file, tempDir, staleMs)) continue;
    if (Date.now() >= deadline) throw await timeoutError(name, file);
    await sleep(delay + Math.random() * delay);
  }
}

/**
 * Create the lock file exclusively; the token identifies this holder when releasing. The holder is
 * written to a draft first and published with link(), which fails like O_EXCL when the name exists:
 * a process killed between an O_EXCL create and its write leaves an empty lock nobody can judge.
 */
async function tryCreate(file: string, tempDir: string): Promise<string | undefined> {
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), at: Date.now(), token: crypto.randomUUID() };
  const draft = join(tempDir, tempNameFor(file));
  await writeTempFile(draft, JSON.stringify(holder));
  try {
    await fsp.link(draft, file);
    return holder.token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  } finally {
    await fsp.unlink(draft).catch(() => undefined);
  }
}

/**
 * Remove a stale lock file; true when the caller should retry at once. The file is first claimed
 * by renaming it, so of several processes breaking the same lock only one deletes it, and a lock
 * that someone took over in between is put back.
 */
async function breakIfStale(file: string, tempDir: string, staleMs: number): Promise<boolean> {
  const state = await readLockFile(file);
  if (!state) return true;
  if (!isStale(state, staleMs)) return false;
  const claimed = join(tempDir, tempNameFor(file));
  try {
    await fsp.rename(file, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  const claimedState = await readLockFile(claimed);
  if (claimedState && !isStale(claimedState, staleMs)) {
    // link() fails rather than overwrite, so a newer holder of the name is never replaced.
    await fsp.link(claimed, file).catch(() => undefined);
  }
  await fsp.unlink(claimed).catch(() => undefined);
  return true;
}

function isStale(state: LockFileState, staleMs: number): boolean {
  if (state.ageMs > staleMs) return true;
  const holder = state.holder;
  // An unreadable file was damaged by someone else; a holder on another host can only be judged by age.
  if (!holder || holder.hostname !== hostname()) return false;
  // Our queue says nobody in this process holds the lock, so our own pid means an earlier process
  // that had the same pid (common in containers) left it behind.
  if (holder.pid === process.pid) return true;
  return !isProcessAlive(holder.pid);
}

async function readLockFile(file: string): Promise<LockFileState | undefined> {
  try {
    const [stat, text] = await Promise.all([fsp.stat(file), fsp.readFile(file, "utf8")]);
    return { holder: parseHolder(text), ageMs: Date.now() - stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== "number" || typeof value.hostname !== "string") return undefined;
    return { pid: value.pid, hostname: value.hostname, at: Number(value.at), token: String(value.token) };
  } catch {
    return undefined;
  }
}

/** Delete the lock file only if it is still ours: after a takeover it belongs to someone else. */
async function releaseFile(file: string, token: string): Promise<void> {
  const state = await readLockFile(file).catch(() => undefined);
  if (state?.holder?.token !== token) return;
  await fsp.unlink(file).catch(() => undefined);
}

function touch(file: string): void {
  const now = new Date();
  fsp.utimes(file, now, now).catch(() => undefined);
}

async function timeoutError(name: string, file: string): Promise<PatchbayError> {
  const holder = (await readLockFile(file).catch(() => undefined))?.holder ?? { pid: process.pid, hostname: hostname(), at: Date.now() };
  const since = Number.isFinite(holder.at) ? ` since ${new Date(holder.at).toISOString()}` : "";
  return new PatchbayError("lock_timeout", `lock "${name}" is held by pid ${holder.pid} on ${holder.hostname}${since}`, {
    next: `wait for pid ${holder.pid} to finish, or stop it if it is stuck; a lock left by a dead process is taken over automatically`,
    details: { lock: name, file, pid: holder.pid, hostname: holder.hostname },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
