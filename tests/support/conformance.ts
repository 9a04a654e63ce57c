/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`) as a child process.
 * It runs under Bun: its CLI imports `fs.globSync`, which the Node 20 on our machines lacks.
 */
import { runProcess } from "./process.ts";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tempDir } from "./patchbay.ts";

const conformanceCli = join(repoRoot, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");

/** One entry of the suite's `checks.json`. */
export interface ConformanceCheck {
  id: string;
  name: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
  details?: unknown;
}

export interface ConformanceRun {
  /** The CLI's exit code: 0 when no check failed. */
  code: number | null;
  checks: ConformanceCheck[];
  /** stdout and stderr, colour-free, to show when an assertion fails. */
  output: string;
}

/** Runs the suite's CLI under the current Bun to completion; rejects only if it cannot run at all. */
async function runConformanceCli(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const result = await runProcess(process.execPath, [conformanceCli, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeoutMs: 60_000,
  });
  return { code: result.code, output: (result.stdout + result.stderr).replace(/\x1b\[[0-9;]*m/g, "") };
}

/** `conformance server --url <url> --scenario <name>`, with its `checks.json` read back. */
export async function runConformanceScenario(url: string, scenario: string): Promise<ConformanceRun> {
  const outputDir = tempDir("patchbay-conformance-");
  const { code, output } = await runConformanceCli(["server", "--url", url, "--scenario", scenario, "--output-dir", outputDir], outputDir);
  // The suite writes <outputDir>/server-<scenario>-<timestamp>/checks.json.
  const runDirs = readdirSync(outputDir).filter((name) => name.startsWith(`server-${scenario}-`));
  if (runDirs.length !== 1) throw new Error(`expected one results directory for ${scenario}, found ${runDirs.length}; output: ${output}`);
  const checks = JSON.parse(readFileSync(join(outputDir, runDirs[0]!, "checks.json"), "utf8")) as ConformanceCheck[];
  return { code, checks, output };
}

/** The server scenario names this version of the suite knows (`conformance list --server`). */
export async function listServerScenarios(): Promise<string[]> {
  const { code, output } = await runConformanceCli(["list", "--server"], repoRoot);
  if (code !== 0) throw new Error(`conformance list failed with ${code}: ${output}`);
  return [...output.matchAll(/^\s+- (\S+)/gm)].map((match) => match[1]!);
}
