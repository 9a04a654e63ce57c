/**
 * Issue #12 end to end: the REAL pinned codex, claude and gemini CLIs, authenticated only by
 * variables in the environment patchbay starts in, with the DEFAULT configuration (no
 * security.allowed_env_keys edit: each adapter declares what its CLI reads). For each agent, through
 * the compiled binary: an apply job (MCP client over stdio), a worker turn and its resume, and a
 * pipeline write phase (`patchbay write --standalone`, the agent run directly). Before the
 * environment builder every one of these failed: codex with "Missing environment variable:
 * FAKE_API_KEY", claude with "Not logged in", gemini without GEMINI_API_KEY.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as anthropicApi from "../support/fake-apis/anthropic-messages.ts";
import * as geminiApi from "../support/fake-apis/gemini.ts";
import * as openaiApi from "../support/fake-apis/openai-responses.ts";
import {
  agentBin,
  agentClisMissing,
  type AgentName,
  type AgentSandbox,
  claudeSandbox,
  codexSandbox,
  geminiSandbox,
  keepForFile,
} from "../support/fake-apis/agent-env.ts";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, runPatchbay, tempDir } from "../support/patchbay.ts";

/** Why this file cannot run here (then every test is reported skipped, with this message, as in jobs.test.ts). */
const skip = agentClisMissing() ?? (existsSync(binaryPath) ? undefined : `SKIPPED: ${binaryPath} is missing; run \`npm run build\` (npm test does it)`);
if (skip) console.warn(`\n[e2e-agents/credentials] ${skip}\n`);

const keep = keepForFile();

/** One agent against its fake API: how to make it edit notes.txt, and how to make it answer. */
interface Agent {
  name: AgentName;
  model?: string;
  box: AgentSandbox;
  edit(): void;
  say(text: string): void;
}

async function codexAgent(): Promise<Agent> {
  const api = keep(await openaiApi.startOpenAIResponses());
  const patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n line one\n-line two\n+line 2 (edited by codex)\n*** End Patch\n";
  return {
    name: "codex",
    model: "gpt-5.5",
    box: keep(codexSandbox(api.baseUrl)),
    edit: () => api.script(openaiApi.applyPatch(patch), openaiApi.say("Edited notes.txt.")),
    say: (text) => api.script(openaiApi.say(text)),
  };
}

async function claudeAgent(): Promise<Agent> {
  const api = keep(await anthropicApi.startAnthropicMessages());
  const edit = () =>
    api.script(
      anthropicApi.toolUse("Read", { file_path: "notes.txt" }),
      anthropicApi.toolUse("Edit", { file_path: "notes.txt", old_string: "line two", new_string: "line 2 (edited by claude)" }),
      anthropicApi.say("Edited notes.txt."),
    );
  return { name: "claude", box: keep(claudeSandbox(api.baseUrl)), edit, say: (text) => api.script(anthropicApi.say(text)) };
}

async function geminiAgent(): Promise<Agent> {
  const api = keep(await geminiApi.startGemini());
  const edit = () =>
    api.script(
      geminiApi.functionCall("replace", {
        file_path: "notes.txt",
        instruction: "Rename line two.",
        old_string: "line two",
        new_string: "line 2 (edited by gemini)",
      }),
      geminiApi.say("Edited notes.txt."),
    );
  return { name: "gemini", box: keep(geminiSandbox(api.baseUrl)), edit, say: (text) => api.script(geminiApi.say(text)) };
}

/** $PATCHBAY_HOME/config.toml naming the pinned executables, and nothing about the environment. */
function defaultHome(): string {
  const home = tempDir("pb-e2e-cred-home-");
  const commands = (["codex", "claude", "gemini"] as AgentName[]).map((name) => `${name}_command = ${JSON.stringify(agentBin(name))}`);
  writeFileSync(join(home, "config.toml"), ["[agents]", ...commands, "idle_timeout_seconds = 30", "kill_grace_seconds = 1", ""].join("\n"));
  return home;
}

type View = {
  job_id: string;
  done: boolean;
  state: string;
  session_id?: string;
  worktree?: { path: string };
  result?: { final_message?: string; error?: string };
};
type WorkerView = { worker: { state: string; session_id?: string; report?: string; turns: number } };

async function call<T>(client: TestClient, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.map((c) => c.text).join("\n")}`);
  return result.structuredContent as T;
}

async function finished(client: TestClient, job: View): Promise<View> {
  const deadline = Date.now() + 60_000;
  let view = job;
  while (!view.done) {
    if (Date.now() > deadline) throw new Error(`job ${job.job_id} still ${view.state}`);
    view = await call<View>(client, "codex_get_result", { job_id: job.job_id, wait_seconds: 20 });
  }
  return view;
}

/**
 * codex_worker_inspect until the worker's latest turn has ended. Each call waits at most 20 s: the
 * client gives a request 30 s, and a server wait as long as that raced it whenever a turn ran longer.
 */
async function settled(client: TestClient, repo: string, turns: number): Promise<WorkerView["worker"]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { worker } = await call<WorkerView>(client, "codex_worker_inspect", { worker: "helper", repo_path: repo, view: "status", wait_seconds: 20 });
    if (worker.turns >= turns && worker.state !== "running") return worker;
    if (Date.now() > deadline) throw new Error(`worker still busy: ${JSON.stringify(worker)}`);
  }
}

const AGENTS = { codex: codexAgent, claude: claudeAgent, gemini: geminiAgent };

describe.skipIf(skip !== undefined)("the real agent CLIs authenticated by environment variables, default configuration", () => {
  for (const [name, start] of Object.entries(AGENTS)) {
    test(`${name}: an apply job, a worker turn with resume, and a pipeline write phase succeed`, async () => {
      const agent = await start();
      const home = defaultHome();
      const repo = makeGitRepo(
        {
          "notes.txt": "line one\nline two\n",
          ".ai/patchbay.toml": `[phases.write]\nprovider = "${name}_cli"\n${agent.model ? `model = "${agent.model}"\n` : ""}`,
        },
        { prefix: "pb-e2e-cred-" },
      );
      const edited = `line one\nline 2 (edited by ${name})\n`;
      // The default tool mode (worker), as a host starts; jobs are in standard, so switch as a host would.
      const client = keep(await connectStdio("v1", { home, args: ["--standalone", "--root", repo], env: agent.box.env }));
      expect(await client.listToolNames()).toContain("codex_worker_start");
      await call(client, "codex_tool_mode_switch", { mode: "standard" });

      agent.edit();
      const job = await finished(
        client,
        await call<View>(client, "codex_apply_job", { spec: "Edit notes.txt", agent: name, repo_path: repo, ...(agent.model && { model: agent.model }) }),
      );
      expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
      expect(readFileSync(join(job.worktree!.path, "notes.txt"), "utf8")).toBe(edited);

      agent.say("Ready.");
      await call(client, "codex_worker_start", { name: "helper", brief: "Say you are ready.", agent: name, repo_path: repo });
      const first = await settled(client, repo, 1);
      expect(first, JSON.stringify(first)).toMatchObject({ state: "idle", report: "Ready." });
      agent.say("Still here.");
      await call(client, "codex_worker_message", { worker: "helper", message: "Are you still there?", repo_path: repo });
      const second = await settled(client, repo, 2);
      expect(second, JSON.stringify(second)).toMatchObject({ state: "idle", report: "Still here.", session_id: first.session_id });

      const cli = (args: string[]) => runPatchbay(args, { home, cwd: repo, env: agent.box.env, timeoutMs: 90_000 });
      expect((await cli(["config", "trust"])).code).toBe(0);
      const planned = JSON.parse((await cli(["plan", "--task", "Edit notes.txt", "--mock", "--standalone", "--json"])).stdout) as { run_id: string };
      expect((await cli(["approve", planned.run_id, "--standalone"])).code).toBe(0);
      agent.edit();
      const write = await cli(["write", planned.run_id, "--standalone", "--json"]);
      expect(write.code, write.stdout + write.stderr).toBe(0);
      const written = JSON.parse(write.stdout) as { state: string; changed_files: string[] };
      expect(written).toMatchObject({ state: "written", changed_files: ["notes.txt"] });
    }, 150_000);
  }
});

describe.skipIf(skip !== undefined)("an agent that finds no credentials: the job says what patchbay looked for", () => {
  const CASES: Array<{ name: AgentName; unset: string; expected: string[] }> = [
    {
      name: "codex",
      unset: "FAKE_API_KEY",
      expected: ["Missing environment variable", "codex needs FAKE_API_KEY, which is not set in the environment patchbay was started in"],
    },
    { name: "claude", unset: "ANTHROPIC_API_KEY", expected: ["Not logged in", "patchbay looked for ANTHROPIC_API_KEY", ".credentials.json", "/login"] },
    {
      name: "gemini",
      unset: "GEMINI_API_KEY",
      expected: ["GEMINI_API_KEY environment variable", "gemini needs GEMINI_API_KEY, which is not set in the environment patchbay was started in"],
    },
  ];
  for (const { name, unset, expected } of CASES) {
    test(`${name} without ${unset}`, async () => {
      const agent = await AGENTS[name]();
      const repo = makeGitRepo({ "notes.txt": "line one\n" }, { prefix: "pb-e2e-cred-" });
      const client = keep(await connectStdio("v1", { home: defaultHome(), args: ["--standalone", "--root", repo], env: { ...agent.box.env, [unset]: "" } }));
      await call(client, "codex_tool_mode_switch", { mode: "standard" });
      const job = await finished(client, await call<View>(client, "codex_plan_job", { spec: "hi", agent: name, repo_path: repo }));
      expect(job.state).toBe("failed");
      for (const text of expected) expect(job.result?.error).toContain(text);
    }, 60_000);
  }
});
