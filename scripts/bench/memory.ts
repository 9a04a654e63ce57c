/** Idle memory: the resident set of a server that serves and has been left alone for a while. */
import { readFileSync } from "node:fs";

/** VmRSS of a process in MiB, from /proc (Linux only). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) / 1024;
}

/** Leaves the processes alone for `idleMs` (no traffic, timers settle), then reads their RSS. */
export async function idleRssMiB(pids: readonly number[], idleMs = 1000): Promise<number[]> {
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  return pids.map(rssMiB);
}
