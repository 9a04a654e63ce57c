/**
 * Turns of the REAL pinned agent CLIs (tests/agents-cli) against the scripted fake model APIs,
 * through the compiled binary (`patchbay stdio --standalone`) and a real MCP client: a home whose
 * config points at the pinned CLIs, job calls, waiting for a job's end, and `patchbay usage --json`.
 */
import { expect } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentBin, agentClisMissing, type AgentName, type AgentSandbox, claudeSandbox, type keepForFile } from "../support/fake-apis/agent-env.ts";
import * as anthropicApi from "../support/fake-apis/anthropic-messages.ts";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { processGone } from "../jobs/support.ts";
import { ledgerEntries } from "./support.ts";
import { binaryPath, runPatchbay, tempDir } from "../support/patchbay.ts";

export interface JobView {
  job_id: string;
  state: string;
  done: boolean;
  session_id?: string;
  pid?: number;
  exit?: { ended_by: string };
  result?: { error?: string; error_code?: string; cost_usd?: number; final_message?: string };
  events: Array<{ text: string }>;
}

/** Why the real CLIs cannot run here (the caller warns and skips), or undefined. */
export function agentTurnsUnavailable(): string | undefined {
  const missing = agentClisMissing();
  if (missing) return missing;
  if (!existsSync(binaryPath)) return `SKIPPED: ${binaryPath} is missing; run \`npm run build\` (npm test does it)`;
  return undefined;
}

/** A standalone server over stdio whose home has `extra` config lines; returns the client and the home. */
/** Registers what a test started for the end of its file (keepForFile). */
type Keep = ReturnType<typeof keepForFile>;

export async function patchbayFor(keep: Keep, box: AgentSandbox, repo: string, extra: string[] = []): Promise<{ client: TestClient; home: string }> {
  const home = tempDir("pb-usage-home-");
  const commands = (["codex", "claude", "gemini"] as AgentName[]).map((name) => `${name}_command = ${JSON.stringify(agentBin(name))}`);
  writeFileSync(join(home, "config.toml"), [...extra, "[agents]", ...commands, "idle_timeout_seconds = 30", "kill_grace_seconds = 1", ""].join("\n"));
  const client = keep(await connectStdio("v1", { home, args: ["--standalone", "--root", repo, "--tool-mode", "standard"], env: box.env }));
  return { client, home };
}

export async function call(client: TestClient, name: string, args: Record<string, unknown>): Promise<JobView> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.map((c) => c.text).join("\n")}`);
  return result.structuredContent as unknown as JobView;
}

export async function finished(client: TestClient, job: JobView): Promise<JobView> {
  const deadline = Date.now() + 45_000;
  let view = job;
  while (!view.done) {
    if (Date.now() > deadline) throw new Error(`job ${job.job_id} still ${view.state}`);
    view = await call(client, "codex_get_result", { job_id: job.job_id, wait_seconds: 20 });
  }
  return view;
}

export async function usageJson(home: string, ...args: string[]) {
  const run = await runPatchbay(["usage", "--json", ...args], { home });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

export function repo(): string {
  return makeGitRepo({ "notes.txt": "line one\n" }, { prefix: "pb-usage-" });
}

export interface ClaudeReadOptions {
  config?: string[];
  model?: string;
  /** What the first model call bills (default 400 in, 70 out). */
  firstUsage?: anthropicApi.MessagesUsage;
}

/**
 * A real claude plan job whose first model call reads notes.txt (400 in, 70 out unless told,
 * saying "Reading the notes first."), then gets `next`; patchbay's home has `config` lines.
 */
export async function claudeReadTurn(keep: Keep, next: anthropicApi.MessagesReply, options: ClaudeReadOptions = {}) {
  const api = keep(await anthropicApi.startAnthropicMessages());
  const box = keep(claudeSandbox(api.baseUrl));
  const ws = repo();
  const read = anthropicApi.toolUse("Read", { file_path: join(ws, "notes.txt") }, "Reading the notes first.");
  api.script(anthropicApi.turn([read], { usage: options.firstUsage ?? { input_tokens: 400, output_tokens: 70 } }), next);
  const { client, home } = await patchbayFor(keep, box, ws, options.config);
  const spec = { spec: "Read notes.txt", agent: "claude", ...(options.model && { model: options.model }), repo_path: ws };
  return { api, home, view: await finished(client, await call(client, "codex_plan_job", spec)) };
}

/**
 * A turn a hard token budget of 450 stopped after its first model call (400 in, 70 out): cancelled
 * as budget_exceeded, the agent's process gone (it would have waited on the hung next call), and
 * the ledger holding exactly that call, marked.
 */
export async function expectStoppedAfterFirstCall(view: JobView, home: string, agent: AgentName): Promise<void> {
  expect(view.state, JSON.stringify(view.result)).toBe("cancelled");
  expect(view.exit?.ended_by).toBe("cancelled");
  expect(view.result?.error_code).toBe("budget_exceeded");
  expect(view.result?.error).toContain("budgets.hard.daily_tokens");
  expect(processGone(view.pid)).toBe(true);
  expect(ledgerEntries(home)).toEqual([
    expect.objectContaining({
      id: view.job_id,
      agent,
      input_tokens: 400,
      cached_input_tokens: 0,
      output_tokens: 70,
      reported: true,
      stopped_by_budget: "budgets.hard.daily_tokens",
    }),
  ]);
  expect((await usageJson(home)).total).toMatchObject({ turns: 1, tokens: 470 });
}
