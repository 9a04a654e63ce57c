/** The machine a run happened on, for the docs: figures mean little without it. Linux only, like the RSS reading. */
import { readFileSync } from "node:fs";
import { availableParallelism, release } from "node:os";

export interface Machine {
  cpus: number;
  cpuModel: string;
  kernel: string;
  bun: string;
}

export function describeMachine(): Machine {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? "unknown";
  return { cpus: availableParallelism(), cpuModel, kernel: `Linux ${release()}`, bun: process.versions.bun ?? "not Bun" };
}
