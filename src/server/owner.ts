import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { sweepStaleTemps, writeFileAtomicSync } from "../runtime/index.ts";
import { isProcessAlive } from "../state/index.ts";

/**
 * `$PATCHBAY_HOME/run/server.json`: who owns this state directory. Created with O_EXCL, so two
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
    return "unreadable"; // being written right now: the creator writes right after O_EXCL
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

function ownedError(home: string, owner: OwnerRecord): PatchbayError {
  const what = owner.kind === "standalone" ? `a standalone stdio session (pid ${owner.pid})` : `a patchbay server (pid ${owner.pid})`;
  const next =
    owner.kind === "standalone"
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
    try {
      const fd = openSync(file, "wx", 0o600);
      try {
        writeSync(fd, JSON.stringify(full, null, 2));
      } finally {
        closeSync(fd);
      }
      // A kill during `update()` leaves a temp of server.json behind; the new owner removes those whose writer is gone.
      await sweepStaleTemps(runDir(home), { target: file });
      return ownershipOf(file, full);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const existing = readRecord(file);
    if (existing === "unreadable" && !isAbandoned(file)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    if (existing && existing !== "unreadable" && isProcessAlive(existing.pid)) throw ownedError(home, existing);
    try {
      unlinkSync(file); // stale: its owner died without cleaning up
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  throw new PatchbayError("state_lock_contended", `could not claim ${file}: it keeps changing`, { next: "another patchbay is starting right now; try again" });
}

// A record that stays unparseable for seconds was left by a process killed between create and write.
function isAbandoned(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > 2_000;
  } catch {
    return true;
  }
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
