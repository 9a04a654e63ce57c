import { mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { randomHex, sweepStaleTemps, writeFileAtomicSync } from "../runtime/index.ts";
import { breakLockFile, holderGone, isProcessAlive, publishLockFile } from "../state/index.ts";

/**
 * `$PATCHBAY_HOME/run/server.json`: who owns this state directory. Published with link() from a
 * complete temp file (state's lock file: exclusive like O_EXCL, never seen half-written), so two
 * processes can never both believe they own it; readable only by this user because it holds the
 * credential that local clients (`patchbay stdio`, `status`, `stop`) present to the server.
 */
export interface OwnerRecord {
  pid: number;
  kind: "server" | "standalone";
  version: string;
  started_at: string;
  /** Loopback port of the control listener (relay sessions, status, stop); absent for standalone. */
  control_port?: number;
  /** The local credential; compared in constant time by the control listener. */
  credential: string;
  http: string[];
  /** Launched by a command that needed a server (`stdio`, `mcp doctor`, `job`…), not by a person: `start --foreground` may take it over. */
  background?: boolean;
}

/**
 * The record a process claims `home` with: started now, with a fresh local credential and no HTTP
 * listener yet (the server adds its control port and listeners as it opens them).
 */
export function newOwnerRecord(kind: OwnerRecord["kind"], version: string, options: { background?: boolean } = {}): Omit<OwnerRecord, "pid"> {
  return {
    kind,
    version,
    started_at: new Date().toISOString(),
    credential: randomHex(32),
    http: [],
    ...(options.background && { background: true }),
  };
}

export function runDir(home: string): string {
  return join(home, "run");
}

export function ownerFile(home: string): string {
  return join(runDir(home), "server.json");
}

function readRecord(file: string): OwnerRecord | "unreadable" | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as OwnerRecord;
  } catch {
    return "unreadable"; // damaged: a record is published whole and replaced by rename, never seen mid-write
  }
}

/** The live owner of `home`, if any. A record left by a dead process is not an owner. */
export function readOwner(home: string): OwnerRecord | undefined {
  const record = readRecord(ownerFile(home));
  if (record === undefined || record === "unreadable") return undefined;
  return isProcessAlive(record.pid) ? record : undefined;
}

export interface Ownership {
  readonly record: OwnerRecord;
  update(change: Partial<OwnerRecord>): void;
  release(): void;
}

/** `claimant`: what is asking; a standalone session is told how to share the home instead of owning it. */
function ownedError(home: string, owner: OwnerRecord, claimant: OwnerRecord["kind"]): PatchbayError {
  const what = owner.kind === "standalone" ? `a standalone stdio session (pid ${owner.pid})` : `a patchbay server (pid ${owner.pid})`;
  const next =
    claimant === "standalone"
      ? "a --standalone session needs PATCHBAY_HOME to itself: register the host without --standalone to share the running server " +
        "(`patchbay mcp install HOST`), or give this registration a PATCHBAY_HOME of its own"
      : owner.kind === "standalone"
        ? "close that session, or give this one its own PATCHBAY_HOME"
        : "use it (`patchbay status`), or stop it first with `patchbay stop`";
  return new PatchbayError("state_owned", `${what} already owns ${home}`, { next, details: { pid: owner.pid, kind: owner.kind } });
}

/**
 * Claims `home` for this process. A record whose process is dead (a killed server) is taken
 * over; a live owner is refused with `state_owned` naming it.
 */
export async function claimOwnership(home: string, record: Omit<OwnerRecord, "pid">): Promise<Ownership> {
  const file = ownerFile(home);
  mkdirSync(runDir(home), { recursive: true, mode: 0o700 });
  const full: OwnerRecord = { ...record, pid: process.pid };
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await publishLockFile(file, runDir(home), full, { indent: 2 })) {
      // A kill during `update()` or a claim leaves a temp of server.json behind; the new owner removes those whose writer is gone.
      await sweepStaleTemps(runDir(home), { target: file });
      return ownershipOf(file, full);
    }
    const existing = readRecord(file);
    if (existing && existing !== "unreadable" && isProcessAlive(existing.pid)) throw ownedError(home, existing, record.kind);
    // Its owner died without cleaning up, or the record is damaged: claimed by rename first, so of
    // several processes taking over only one removes it, and an owner that won meanwhile stays.
    await breakLockFile<OwnerRecord>(file, runDir(home), (state) => !state.holder || holderGone(state.holder));
  }
  throw new PatchbayError("state_lock_contended", `could not claim ${file}: it keeps changing`, { next: "another patchbay is starting right now; try again" });
}

function ownershipOf(file: string, initial: OwnerRecord): Ownership {
  let current = initial;
  let released = false;
  return {
    get record() {
      return current;
    },
    update(change) {
      current = { ...current, ...change };
      writeFileAtomicSync(file, JSON.stringify(current, null, 2));
    },
    release() {
      if (released) return;
      released = true;
      // Only remove the record if it is still ours (a takeover after a hang must not be undone).
      const onDisk = readRecord(file);
      if (onDisk && onDisk !== "unreadable" && onDisk.pid === current.pid) unlinkSync(file);
    },
  };
}
