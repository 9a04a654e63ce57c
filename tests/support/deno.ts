/**
 * patchbay's source under Deno 2 (node_modules/.bin/deno), the way a user would run it:
 * `deno run -A src/cli.ts ...` from the repository, which Deno needs for package.json and
 * node_modules. Nothing is written into the repository: `--no-lock` keeps deno.lock away and
 * DENO_DIR points at a directory the caller owns (a `tempDir`).
 */
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { patchbayEnv, repoRoot } from "./patchbay.ts";
import { runProcess, type RunResult } from "./process.ts";

export const denoBinary = join(repoRoot, "node_modules", ".bin", "deno");

export interface DenoOptions {
  /** PATCHBAY_HOME for the child. */
  home: string;
  /** Deno's cache directory. */
  denoDir: string;
}

/** The `deno run` arguments for `patchbay <args>` from source. */
export function denoCliArgs(args: string[]): string[] {
  return ["run", "-A", "--no-lock", "src/cli.ts", ...args];
}

function denoEnv(options: DenoOptions): Record<string, string> {
  return patchbayEnv(options.home, { DENO_DIR: options.denoDir, DENO_NO_UPDATE_CHECK: "1" });
}

/** Runs `patchbay <args>` under Deno to completion, with stdin closed. */
export function runDenoCli(args: string[], options: DenoOptions & { timeoutMs?: number }): Promise<RunResult> {
  return runProcess(denoBinary, denoCliArgs(args), { cwd: repoRoot, env: denoEnv(options), timeoutMs: options.timeoutMs ?? 60_000 });
}

export interface DenoStdioSession {
  client: Client;
  /** Everything the Deno process wrote to stderr so far, for failure messages. */
  stderr(): string;
  close(): Promise<void>;
}

/** `patchbay stdio <args>` under Deno, connected (initialize done) through the SDK v1 stdio client. */
export async function connectDenoStdio(args: string[], options: DenoOptions): Promise<DenoStdioSession> {
  const transport = new StdioClientTransport({
    command: denoBinary,
    args: denoCliArgs(["stdio", ...args]),
    env: denoEnv(options),
    cwd: repoRoot,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "patchbay-deno-test", version: "1.0.0" }, { capabilities: {} });
  try {
    await client.connect(transport, { timeout: 60_000 });
  } catch (error) {
    await transport.close();
    throw new Error(`initialize under Deno failed: ${error}; deno stderr: ${stderr}`);
  }
  return { client, stderr: () => stderr, close: () => client.close() };
}
