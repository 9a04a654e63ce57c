/**
 * The per-repository mutation lock. Every mutation of a base checkout (direct write, edit, a
 * full-mode command, a handoff run) holds it; a second mutation fails at once with `repo_busy`
 * naming the holder, because a hidden queue would let a caller's write land long after it asked.
 *
 * src/state's withLock waits its turn and records no client or tool, so this is its own small
 * lock: a file under `<home>/state/.locks/` published with link() (atomic like O_EXCL, and never
 * seen half-written), released when the holder's process is gone.
 */
import { createHash, randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { tempNameFor, writeTempFile } from "../runtime/index.ts";
import { isProcessAlive } from "../state/index.ts";

/** Who asks for the lock: shown to whoever is refused. */
export interface RepoLockHolder {
  client_ref: string;
  tool: string;
}

/** The lock file's content. */
export interface RepoLockRecord extends RepoLockHolder {
  repo: string;
  pid: number;
  hostname: string;
  since: string;
  token: string;
}

/** Locks this process holds or is acquiring, by file: decided synchronously, so two calls in one process never race. */
const heldHere = new Map<string, RepoLockRecord>();

/** The lock file for a repository root (a real path), keyed by a hash so any path makes a safe name. */
export function repoLockFile(home: string, repoRoot: string): string {
  const key = createHash("sha256").update(repoRoot).digest("hex").slice(0, 24);
  return join(home, "state", ".locks", `repo-${key}.lock`);
}

/**
 * Runs `fn` holding the mutation lock of `repoRoot`, or fails at once with `repo_busy`.
 *
 * @example
 * await withRepoLock(context.app.home, ws.root, { client_ref: session.clientRef, tool: "codex_write_file" }, () => write());
 */
export async function withRepoLock<T>(home: string, repoRoot: string, holder: RepoLockHolder, fn: () => Promise<T>): Promise<T> {
  const file = repoLockFile(home, repoRoot);
  const current = heldHere.get(file);
  if (current) throw busy(current);
  const record: RepoLockRecord = { ...holder, repo: repoRoot, pid: process.pid, hostname: hostname(), since: new Date().toISOString(), token: randomUUID() };
  heldHere.set(file, record);
  try {
    await acquire(file, join(home, "state", ".tmp"), record);
  } catch (error) {
    heldHere.delete(file);
    throw error;
  }
  try {
    return await fn();
  } finally {
    heldHere.delete(file);
    await release(file, record.token);
  }
}

async function acquire(file: string, tempDir: string, record: RepoLockRecord): Promise<void> {
  await Promise.all([fsp.mkdir(join(file, ".."), { recursive: true, mode: 0o700 }), fsp.mkdir(tempDir, { recursive: true, mode: 0o700 })]);
  // A few rounds: each either takes the lock, is refused, or clears an abandoned lock and tries again.
  for (let round = 0; round < 5; round++) {
    if (await publish(file, tempDir, record)) return;
    const existing = await readRecord(file);
    if (existing && !isAbandoned(existing, file)) throw busy(existing);
    await clearAbandoned(file, tempDir);
  }
  const existing = await readRecord(file);
  throw existing ? busy(existing) : new PatchbayError("repo_busy", `the lock of ${record.repo} keeps changing hands`, { next: "call again in a moment" });
}

/** Creates the lock file with the whole record in it, or returns false when it already exists. */
async function publish(file: string, tempDir: string, record: RepoLockRecord): Promise<boolean> {
  const draft = join(tempDir, tempNameFor(file));
  await writeTempFile(draft, JSON.stringify(record));
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

/**
 * A lock is abandoned when its holder process on this host is gone. Our own pid in a file this
 * process does not hold means an earlier process with the same pid (common in containers) left it.
 * A holder on another host cannot be judged, so it is never treated as abandoned.
 */
function isAbandoned(record: RepoLockRecord, file: string): boolean {
  if (record.hostname !== hostname()) return false;
  if (record.pid === process.pid) return heldHere.get(file)?.token !== record.token;
  return !isProcessAlive(record.pid);
}

/** Removes an abandoned lock; claimed by rename first so of several breakers only one deletes it. */
async function clearAbandoned(file: string, tempDir: string): Promise<void> {
  const claimed = join(tempDir, tempNameFor(file));
  try {
    await fsp.rename(file, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const taken = await readRecord(claimed);
  // Someone took the lock over between our read and the rename: put theirs back (link never overwrites).
  if (taken && !isAbandoned(taken, file)) await fsp.link(claimed, file).catch(() => undefined);
  await fsp.unlink(claimed).catch(() => undefined);
}

/** The record in a lock file; an unreadable file counts as abandoned by a crashed writer. */
async function readRecord(file: string): Promise<RepoLockRecord | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RepoLockRecord>;
    if (typeof value.pid === "number" && typeof value.hostname === "string") return value as RepoLockRecord;
  } catch {
    // fall through: damaged
  }
  return { client_ref: "unknown", tool: "unknown", repo: "", pid: 0, hostname: hostname(), since: "", token: "" };
}

async function release(file: string, token: string): Promise<void> {
  const record = await readRecord(file).catch(() => undefined);
  if (record?.token === token) await fsp.unlink(file).catch(() => undefined);
}

function busy(holder: RepoLockRecord): PatchbayError {
  const where = holder.hostname === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.hostname}`;
  return new PatchbayError("repo_busy", `${holder.repo} is busy: ${holder.client_ref} is running ${holder.tool} (${where}) since ${holder.since}`, {
    next: "wait for that change to finish and call again; patchbay does not queue repository changes",
    details: { repo: holder.repo, client_ref: holder.client_ref, tool: holder.tool, pid: holder.pid, hostname: holder.hostname, since: holder.since },
  });
}
