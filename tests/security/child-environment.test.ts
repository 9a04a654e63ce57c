/**
 * Issue #11 finding 2 / issue #12: patchbay's own secrets never reach a child process. The server
 * (the compiled binary, `patchbay stdio --standalone`, driven by a real MCP client) runs with the
 * HTTP token, an agent token and an unrelated variable in its environment; a custom agent that runs
 * `printenv`, a pipeline test command `printenv` and a full-mode power-tool command `printenv` must
 * show neither token (by name or value), and with the default configuration nothing outside the
 * child's declared list. With `allowed_env_keys = ["*"]` everything else passes, the secrets still not.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASE_ENV, matchesAny } from "../../src/agents/index.ts";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { keepForFile } from "../support/fake-apis/agent-env.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, runPatchbay, tempDir } from "../support/patchbay.ts";

if (!existsSync(binaryPath)) throw new Error(`${binaryPath} is missing: run \`npx bun scripts/build.ts\` first`);

const keep = keepForFile();
const PRINTENV = ["/usr/bin/printenv", "/bin/printenv"].find((path) => existsSync(path))!;

const HTTP_TOKEN = "http-token-7f3a9c1e5b2d4f6a8c0e";
const AGENT_TOKEN = "pbt_agenttoken5b2d4f6a8c0e7f3a9c1e";
/** The server's environment: two secrets, a pbt_ token under an innocent name, an unrelated variable, one the custom agent declares. */
const SERVER_ENV = {
  PATCHBAY_HTTP_TOKEN: HTTP_TOKEN,
  PATCHBAY_AGENT_TOKEN: AGENT_TOKEN,
  INNOCENT_NOTE: AGENT_TOKEN,
  UNRELATED_SETTING: "visible-value",
  ENVDUMP_MODE: "declared",
};
const SECRET_NAMES = ["PATCHBAY_HTTP_TOKEN", "PATCHBAY_AGENT_TOKEN", "INNOCENT_NOTE"];

/** `NAME=value` lines as names; a value spanning lines is skipped. */
function names(printed: string): string[] {
  return printed.split("\n").flatMap((line) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1] ?? []);
}

function expectNoSecrets(printed: string): void {
  expect(names(printed).length).toBeGreaterThan(3);
  for (const name of SECRET_NAMES) expect(names(printed)).not.toContain(name);
  expect(printed).not.toContain(HTTP_TOKEN);
  expect(printed).not.toContain(AGENT_TOKEN);
}

function home(allowAll: boolean): string {
  const dir = tempDir("pb-childenv-home-");
  writeFileSync(
    join(dir, "config.toml"),
    [
      "[agents.custom.envdump]",
      `command = ${JSON.stringify(PRINTENV)}`,
      'pass_env = ["ENVDUMP_*"]',
      "",
      ...(allowAll ? ["[security]", 'allowed_env_keys = ["*"]', ""] : []),
    ].join("\n"),
  );
  return dir;
}

async function server(dir: string, repo: string): Promise<TestClient> {
  return keep(await connectStdio("v1", { home: dir, args: ["--standalone", "--root", repo, "--tool-mode", "standard", "--power", "full"], env: SERVER_ENV }));
}

async function customAgentOutput(client: TestClient, repo: string): Promise<string> {
  const started = await client.callTool("codex_plan_job", { spec: "print your environment", agent: "envdump", repo_path: repo });
  if (started.isError) throw new Error(JSON.stringify(started.content));
  let view = started.structuredContent as { job_id: string; done: boolean; state: string; result?: { final_message?: string; error?: string } };
  const deadline = Date.now() + 20_000;
  while (!view.done) {
    if (Date.now() > deadline) throw new Error(`job still ${view.state}`);
    view = (await client.callTool("codex_get_result", { job_id: view.job_id, wait_seconds: 5 })).structuredContent as typeof view;
  }
  expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
  return view.result?.final_message ?? "";
}

async function powerCommandOutput(client: TestClient, repo: string): Promise<string> {
  const result = await client.callTool("codex_run_command", { repo_path: repo, command: "printenv" });
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return (result.structuredContent as { stdout: string }).stdout;
}

/** `patchbay run --mock` with `printenv` as the test command; the test log as written in the run folder. */
async function pipelineTestLog(dir: string, allowAll: boolean): Promise<string> {
  const repo = makeGitRepo(
    { "README.md": "hello\n", ".ai/patchbay.toml": `[phases.test]\ncommands = [${JSON.stringify(PRINTENV)}]\ntimeout = 60\n` },
    { prefix: "pb-childenv-pipe-" },
  );
  const env = { ...SERVER_ENV };
  expect((await runPatchbay(["config", "trust"], { home: dir, cwd: repo, env })).code).toBe(0);
  const run = await runPatchbay(["run", "--task", "print the environment", "--auto-approve", "--mock", "--standalone", "--json"], {
    home: dir,
    cwd: repo,
    env,
    timeoutMs: 60_000,
  });
  const runId = (JSON.parse(run.stdout) as { run_id: string }).run_id;
  const testDir = join(repo, ".ai", "runs", runId, "test");
  const logs = readdirSync(testDir).filter((name) => name.endsWith(".log"));
  expect(logs.length, `${allowAll}: ${run.stdout}${run.stderr}`).toBeGreaterThan(0);
  return logs.map((name) => readFileSync(join(testDir, name), "utf8")).join("\n");
}

/** What a child may hold with the default configuration: the base list, its declared variables, and what patchbay sets. */
function expectOnlyDeclared(printed: string, declared: string[]): void {
  const outside = names(printed).filter((name) => !matchesAny(name, [...BASE_ENV, ...declared]));
  expect(outside).toEqual([]);
}

describe("patchbay's secrets never reach a child process", () => {
  for (const allowAll of [false, true]) {
    const label = allowAll ? 'with allowed_env_keys = ["*"]' : "with the default configuration";

    test(`a custom agent running printenv sees neither token ${label}`, async () => {
      const repo = makeGitRepo({ "README.md": "hello\n" }, { prefix: "pb-childenv-" });
      const printed = await customAgentOutput(await server(home(allowAll), repo), repo);
      expectNoSecrets(printed);
      expect(printed).toContain("ENVDUMP_MODE=declared");
      if (allowAll) expect(printed).toContain("UNRELATED_SETTING=visible-value");
      else expectOnlyDeclared(printed, ["ENVDUMP_*", "TMP", "TEMP"]);
    });

    test(`a full-mode power-tool command running printenv sees neither token ${label}`, async () => {
      const repo = makeGitRepo({ "README.md": "hello\n" }, { prefix: "pb-childenv-" });
      const printed = await powerCommandOutput(await server(home(allowAll), repo), repo);
      expectNoSecrets(printed);
      if (allowAll) expect(printed).toContain("UNRELATED_SETTING=visible-value");
      // bash itself exports PWD, SHLVL and _; patchbay sets NO_COLOR and CI.
      else expectOnlyDeclared(printed, ["PWD", "OLDPWD", "SHLVL", "_", "NO_COLOR", "CI"]);
    });

    test(`a pipeline test command printenv leaves neither token in the test log ${label}`, async () => {
      const printed = await pipelineTestLog(home(allowAll), allowAll);
      expectNoSecrets(printed);
      if (allowAll) expect(printed).toContain("UNRELATED_SETTING=visible-value");
      else expectOnlyDeclared(printed, ["NO_COLOR", "CI"]);
    }, 60_000);
  }
});
