/**
 * Test support: the real compiled binary, a throwaway PATCHBAY_HOME, and a real server on a free
 * loopback port. Every process started here is stopped by the test that started it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runProcess, type RunResult } from "./process.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const binaryPath = join(repoRoot, "dist", "patchbay");

/** The compiled binary; `npm test` builds it first. */
export function patchbayBinary(): string {
  if (!existsSync(binaryPath)) throw new Error(`${binaryPath} is missing: run \`npm run build\` (npm test does it for you)`);
  return binaryPath;
}

const tempDirs: string[] = [];

/** A fresh directory removed by `removeTempDirs` (call it from afterAll). */
export function tempDir(prefix = "patchbay-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The environment for a child patchbay: its own home, no inherited token unless given. */
export function patchbayEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== "PATCHBAY_HTTP_TOKEN") env[key] = value;
  return { ...env, PATCHBAY_HOME: home, NO_COLOR: "1", ...extra };
}

export type { RunResult } from "./process.ts";

/** Runs the binary to completion. */
export function runPatchbay(
  args: string[],
  options: { home: string; env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number },
): Promise<RunResult> {
  return runProcess(patchbayBinary(), args, {
    cwd: options.cwd ?? repoRoot,
    env: patchbayEnv(options.home, options.env),
    input: options.input,
    timeoutMs: options.timeoutMs,
  });
}

export interface TestServer {
  url: string;
  home: string;
  process: ChildProcess;
  /** Everything the server wrote to stderr so far (its log). */
  stderr(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

/** `patchbay start --port 0 --json` in the foreground; resolves once it serves, with its /mcp URL. */
export function startTestServer(options: { home?: string; args?: string[]; env?: Record<string, string> } = {}): Promise<TestServer> {
  const home = options.home ?? tempDir();
  const child = spawn(patchbayBinary(), ["start", "--port", "0", "--json", ...(options.args ?? [])], {
    cwd: repoRoot,
    env: patchbayEnv(home, options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start; stderr: ${stderr}`));
    }, 20_000);
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      try {
        const guide = JSON.parse(stdout) as { setup_guide: { server_url: string } };
        clearTimeout(timer);
        resolve({ url: guide.setup_guide.server_url, home, process: child, stderr: () => stderr, stop });
      } catch {
        // the JSON is not complete yet
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving; stderr: ${stderr}`));
    });
  });
}
