/**
 * Child processes for the bench: each patchbay gets its own PATCHBAY_HOME, and every process
 * started here is stopped by whoever started it (SIGTERM, then wait for the exit).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const tempDirs: string[] = [];

/** A fresh directory, removed by `removeTempDirs`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The environment for a child: its own home, and no token inherited from the caller's shell. */
export function benchEnv(home?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== "PATCHBAY_HTTP_TOKEN") env[key] = value;
  return home ? { ...env, PATCHBAY_HOME: home, NO_COLOR: "1" } : env;
}

/** Resolves with the exit code; after `timeoutMs` the child is killed so no loop can hang the bench. */
export function waitForExit(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await waitForExit(child);
}

/** Runs a command to completion; its output is shown only when it fails. */
export async function run(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<void> {
  const child = spawn(command, args, { env: options.env ?? benchEnv(), cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const code = await waitForExit(child, 120_000);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`);
}

export interface ListeningServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a server that prints one JSON document on stdout once it serves (patchbay's
 * `start --json` guide, or the baseline's `{ url }`) and resolves with the URL `urlOf` finds in it.
 */
export function startListening(command: string, args: string[], env: Record<string, string>, urlOf: (printed: unknown) => string): Promise<ListeningServer> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const stop = () => stopProcess(child);
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let serving = false;
    const fail = (why: string) => {
      if (serving) return;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${command} ${args.join(" ")} ${why}; stderr: ${stderr}`)));
    };
    const timer = setTimeout(() => fail("did not start within 20 s"), 20_000);
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      let printed: unknown;
      try {
        printed = JSON.parse(stdout);
      } catch {
        return; // the document is not complete yet
      }
      serving = true;
      clearTimeout(timer);
      resolve({ url: urlOf(printed), pid: child.pid!, stop });
    });
    child.once("exit", (code) => fail(`exited with ${code} before serving`));
  });
}
