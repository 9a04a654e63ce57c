/** Whether a process id on this host still runs, for breaking locks and files left by the dead. */
import { readFileSync } from "node:fs";

/**
 * True when `pid` is running. A zombie counts as dead: where pid 1 does not reap orphans
 * (some containers), a killed process lingers as `Z` and `kill(pid, 0)` still succeeds.
 *
 * @example
 * isProcessAlive(process.pid); // true
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    // Gone between the two checks means dead; an unreadable /proc tells us nothing.
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
  // Format: `pid (comm) S ...`; comm may itself contain spaces and parentheses.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/**
 * When a process started (clock ticks since boot, from /proc/<pid>/stat), to tell a recorded
 * process from a later one that reuses its pid. `undefined` where there is no procfs.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after `(comm)` start at field 3 (state); starttime is field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
