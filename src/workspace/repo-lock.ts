/**
 * The per-repository mutation lock. Every mutation of a base checkout (direct write, edit, a
 * full-mode command, a handoff run) holds it; a second mutation fails at once with `repo_busy`
 * naming the holder, because a hidden queue would let a caller's write land long after it asked.
 *
 * src/state's withLock waits its turn and records no client or tool, so this lock takes the same
 * lock file (state's `lock-file.ts`: a file under `<home>/state/.locks/` published with link(),
 * never seen half-written) with its own policy: refused at once, taken over only when the
 * holder's process is gone.
 */
import { createHash, randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { breakLockFile, holderGone, type LockFileState, publishLockFile, readLockFile, releaseLockFile } from "../state/index.ts";

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
    await releaseLockFile(file, record.token);
  }
}

async function acquire(file: string, tempDir: string, record: RepoLockRecord): Promise<void> {
  await Promise.all([fsp.mkdir(join(file, ".."), { recursive: true, mode: 0o700 }), fsp.mkdir(tempDir, { recursive: true, mode: 0o700 })]);
  // An unreadable lock was left by a crashed writer; a readable one is stale only when its holder is gone.
  const stale = (state: LockFileState<RepoLockRecord>) => !state.holder || isAbandoned(state.holder, file);
  // A few rounds: each either takes the lock, is refused, or clears an abandoned lock and tries again.
  for (let round = 0; round < 5; round++) {
    if (await publishLockFile(file, tempDir, record)) return;
    const existing = await readLockFile<RepoLockRecord>(file);
    if (existing && !stale(existing)) throw busy(existing.holder!);
    await breakLockFile(file, tempDir, stale);
  }
  const holder = (await readLockFile<RepoLockRecord>(file))?.holder;
  throw holder ? busy(holder) : new PatchbayError("repo_busy", `the lock of ${record.repo} keeps changing hands`, { next: "call again in a moment" });
}

/**
 * A lock is abandoned when its holder process on this host is gone (`holderGone`). Our own pid in
 * a file this process does not hold means an earlier process with the same pid left it.
 */
function isAbandoned(record: RepoLockRecord, file: string): boolean {
  return holderGone(record, { heldHere: heldHere.get(file)?.token === record.token });
}

function busy(holder: RepoLockRecord): PatchbayError {
  const where = holder.hostname === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.hostname}`;
  return new PatchbayError("repo_busy", `${holder.repo} is busy: ${holder.client_ref} is running ${holder.tool} (${where}) since ${holder.since}`, {
    next: "wait for that change to finish and call again; patchbay does not queue repository changes",
    details: { repo: holder.repo, client_ref: holder.client_ref, tool: holder.tool, pid: holder.pid, hostname: holder.hostname, since: holder.since },
  });
}
