/**
 * Support for the connect tests: the patchbay binary (PATCHBAY_BINARY overrides dist/patchbay, for
 * a development build), and a run helper with a scratch HOME and PATCHBAY_HOME.
 */
import { binaryPath, patchbayBinary } from "../support/patchbay.ts";
import { runProcess, type RunResult } from "../support/process.ts";

export function connectBinary(): string {
  return process.env.PATCHBAY_BINARY ?? patchbayBinary();
}

export { binaryPath };

/** Runs patchbay with exactly `env` (nothing inherited but PATH), from `cwd`. */
export function runConnect(args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ...options.env };
  return runProcess(connectBinary(), args, { cwd: options.cwd, env, timeoutMs: options.timeoutMs ?? 30_000 });
}
