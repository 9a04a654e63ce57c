/**
 * One phase at a time per run: `RUN.lock` in the run folder, created with O_EXCL, naming the
 * process that holds it. A lock whose process is gone was left by a server that died mid-phase:
 * the run is marked interrupted and the phase can be run again.
 */
import { randomUUID } from "node:crypto";
import { PatchbayError } from "../errors/index.ts";
import { holderGone, processStartTime } from "../state/index.ts";
import { createAiFile, readAiFile } from "./ai-files.ts";
import { appendRunEvent, type Phase, removeRunFile, runFile, type RunRecord, saveRun } from "./run-record.ts";

export interface PhaseLock {
  phase: Phase;
  pid: number;
  pid_started?: string;
  since: string;
  token: string;
}

const LOCK_NAME = "RUN.lock";
const MAX_LOCK_BYTES = 64 * 1024;
/** How long a lock may stay unwritten after its create before it counts as left by a crash. */
const UNWRITTEN_LOCK_MS = 2000;

export async function readPhaseLock(record: Pick<RunRecord, "repo" | "run_id">): Promise<PhaseLock | undefined> {
  const waitUntil = Date.now() + UNWRITTEN_LOCK_MS;
  for (;;) {
    const file = await readAiFile(record.repo, runFile(record.run_id, LOCK_NAME), { maxBytes: MAX_LOCK_BYTES });
    if (file === undefined) return undefined;
    try {
      return JSON.parse(file.text) as PhaseLock;
    } catch {
      // Empty just after its O_EXCL create, until its holder (another process) writes it: wait for that.
      // Still unreadable long after, it was cut short by a crash between create and write: nobody holds it.
      const now = Date.now();
      if (now - file.modifiedMs > UNWRITTEN_LOCK_MS || now > waitUntil) return { phase: "write", pid: 0, since: new Date(0).toISOString(), token: "" };
      await new Promise((done) => setTimeout(done, 5));
    }
  }
}

/**
 * Marks the run interrupted when a dead process left its lock, and removes the lock. Returns the
 * record as it is now.
 */
export async function recoverRun(record: RunRecord): Promise<RunRecord> {
  const lock = await readPhaseLock(record);
  // A recycled pid is another process: holderGone compares the recorded start time.
  if (!lock || !holderGone(lock)) return record;
  await removeRunFile(record, LOCK_NAME);
  // A cancel that died half-way changed nothing worth re-running: `patchbay cancel` again finishes it.
  if (lock.phase === "cancel") return record;
  record.interrupted = { phase: lock.phase, at: new Date().toISOString() };
  await saveRun(record);
  await appendRunEvent(record, {
    phase: lock.phase,
    action: "interrupted",
    detail: `the process running ${lock.phase} (pid ${lock.pid}) is gone; run the phase again`,
  });
  return record;
}

/** Takes the run's phase lock, or fails with `run_busy` naming the phase that holds it. */
export async function acquirePhaseLock(record: RunRecord, phase: Phase): Promise<PhaseLock> {
  await recoverRun(record);
  const lock: PhaseLock = { phase, pid: process.pid, pid_started: processStartTime(process.pid), since: new Date().toISOString(), token: randomUUID() };
  try {
    await createAiFile(record.repo, runFile(record.run_id, LOCK_NAME), JSON.stringify(lock));
    return lock;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = await readPhaseLock(record);
    throw new PatchbayError(
      "run_busy",
      `run ${record.run_id} is busy: ${holder?.phase ?? "a phase"} is running (pid ${holder?.pid ?? "?"}, since ${holder?.since ?? "?"})`,
      {
        next: "wait for it (patchbay_status / patchbay events --follow), then retry",
        details: { holder },
      },
    );
  }
}

export async function releasePhaseLock(record: RunRecord, lock: PhaseLock): Promise<void> {
  const current = await readPhaseLock(record);
  if (current?.token === lock.token) await removeRunFile(record, LOCK_NAME);
}
