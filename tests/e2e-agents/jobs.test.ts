/**
 * Step two, end to end: the compiled binary (`patchbay stdio --standalone`, tool mode standard)
 * driven by a real MCP client through the job tools (codex_apply_job, codex_get_result,
 * codex_resume), running the REAL codex, claude and gemini CLIs (pinned in tests/agents-cli, named
 * by agents.<agent>_command in $PATCHBAY_HOME/config.toml) against the scripted fake model APIs.
 * The server's environment carries the fake-API variables, and the default configuration lets each
 * agent have the ones its CLI reads (no security.allowed_env_keys edit). For each agent:
 * - an apply job edits a tracked file in its own worktree (the checkout stays untouched),
 * - codex_resume continues the same session in that worktree,
 * - a model API error ends the job failed, carrying the API's message,
 * - an unreachable API ends the job timed_out by agents.idle_timeout_seconds (claude fails at once
 *   on a refused connection, so for it the hung API is the idle case).
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
  claudeSandbox,
  codexSandbox,
  geminiSandbox,
  type AgentName,
  type AgentSandbox,
  keepForFile,
} from "../support/fake-apis/agent-env.ts";
import { closedPort } from "../support/fake-apis/server.ts";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, tempDir } from "../support/patchbay.ts";

const JOB_TOOLS = ["codex_apply_job", "codex_get_result", "codex_resume"];

/** Why this file cannot run here (then every test is reported skipped, with this message). */
async function unavailable(): Promise<string | undefined> {
  const missing = agentClisMissing();
  if (missing) return missing;
  if (!existsSync(binaryPath)) return `SKIPPED: ${binaryPath} is missing; run \`npm run build\` (npm test does it)`;
  return undefined;
}

// A binary that stops offering the job tools is a regression: it fails here, it does not skip.
test("the binary offers the job tools these tests drive", async () => {
  const probe = await connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", tempDir(), "--tool-mode", "standard"] });
  try {
    expect(await probe.listToolNames()).toEqual(expect.arrayContaining(JOB_TOOLS));
  } finally {
    await probe.close();
  }
});

const skip = await unavailable();
if (skip) console.warn(`\n[e2e-agents/jobs] ${skip}\n`);

const keep = keepForFile();

interface JobView {
  job_id: string;
  kind: string;
  state: string;
  done: boolean;
  agent: string;
  repo: string;
  cwd: string;
  worktree?: { path: string; branch: string; base_commit: string };
  session_id?: string;
  parent_job_id?: string;
  exit?: { code: number | null; signal: string | null; ended_by: string };
  result?: {
    final_message?: string;
    changed_files: string[];
    commands: unknown[];
    usage?: { inputTokens: number; outputTokens: number };
    error?: string;
    error_code?: string;
  };
  events: Array<{ text: string }>;
}

/** A patchbay server over stdio for one agent, started in its fake API's environment. */
async function patchbayFor(box: AgentSandbox, repo: string, options: { idleSeconds?: number } = {}): Promise<TestClient> {
  const home = tempDir("pb-e2e-home-");
  const commands = (["codex", "claude", "gemini"] as AgentName[]).map((name) => `${name}_command = ${JSON.stringify(agentBin(name))}`);
  writeFileSync(
    join(home, "config.toml"),
    ["[agents]", ...commands, `idle_timeout_seconds = ${options.idleSeconds ?? 30}`, "kill_grace_seconds = 1", ""].join("\n"),
  );
  return keep(await connectStdio("v1", { home, args: ["--standalone", "--root", repo, "--tool-mode", "standard"], env: box.env }));
}

async function call(client: TestClient, name: string, args: Record<string, unknown>): Promise<JobView> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.map((c) => c.text).join("\n")}`);
  return result.structuredContent as unknown as JobView;
}

/** codex_get_result until the job is done (each call waits at most 20 s). */
async function result(client: TestClient, job: JobView, deadlineMs = 45_000): Promise<JobView> {
  const deadline = Date.now() + deadlineMs;
  let view = job;
  while (!view.done) {
    if (Date.now() > deadline) throw new Error(`job ${job.job_id} still ${view.state}: ${JSON.stringify(view.events.slice(-5))}`);
    view = await call(client, "codex_get_result", { job_id: job.job_id, wait_seconds: 20 });
  }
  return view;
}

function repo(): string {
  return makeGitRepo({ "notes.txt": "line one\nline two\n" }, { prefix: "pb-e2e-jobs-" });
}

/** The apply job edited notes.txt in its worktree only. */
function expectEditedInWorktree(view: JobView, ws: string, expected: string): void {
  expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
  expect(view.worktree?.path).toBeString();
  expect(view.cwd).toBe(view.worktree!.path);
  expect(view.worktree!.path.startsWith(ws)).toBe(false);
  expect(readFileSync(join(view.worktree!.path, "notes.txt"), "utf8")).toBe(expected);
  expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("line one\nline two\n");
  expect(git(ws, "status", "--porcelain")).toBe("");
  expect(git(view.worktree!.path, "status", "--porcelain")).toBe("M notes.txt");
  expect(view.result?.changed_files).toEqual(["notes.txt"]);
}

async function idleCase(agent: AgentName, box: AgentSandbox, ws: string, idleSeconds = 3): Promise<JobView> {
  const client = await patchbayFor(box, ws, { idleSeconds });
  const view = await result(client, await call(client, "codex_apply_job", { spec: "hi", agent, repo_path: ws }));
  expect(view.state, JSON.stringify(view.result)).toBe("timed_out");
  expect(view.result?.error_code).toBe("idle_timeout");
  expect(view.result?.error).toContain("agents.idle_timeout_seconds");
  expect(view.exit?.ended_by).toBe("idle_timeout");
  return view;
}

describe.skipIf(skip !== undefined)("jobs through the binary: codex", () => {
  test("an apply job edits notes.txt in its worktree; codex_resume continues the same thread there", async () => {
    const patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n line one\n-line two\n+line 2 (edited by codex)\n*** End Patch\n";
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.applyPatch(patch), openaiApi.say("Edited notes.txt.")]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const client = await patchbayFor(box, ws);
    const first = await result(client, await call(client, "codex_apply_job", { spec: "Edit notes.txt", agent: "codex", model: "gpt-5.5", repo_path: ws }));
    expectEditedInWorktree(first, ws, "line one\nline 2 (edited by codex)\n");
    expect(first.result).toMatchObject({ final_message: "Edited notes.txt.", usage: { inputTokens: 201, outputTokens: 21 } });
    expect(first.session_id).toMatch(/^[0-9a-f-]{36}$/);
    // The prompt reached the model; codex ran in the worktree with a writing sandbox.
    expect(JSON.stringify(api.requests[0]!.body.input)).toContain("Edit notes.txt");
    expect(JSON.parse(api.requests[0]!.headers["x-codex-turn-metadata"]!)).toMatchObject({ sandbox_mode: "workspace-write" });

    api.script(openaiApi.say("I edited notes.txt."));
    const second = await result(client, await call(client, "codex_resume", { session_id: first.session_id, spec: "What did you do?", model: "gpt-5.5" }));
    expect(second.state, JSON.stringify(second.result)).toBe("succeeded");
    expect(second).toMatchObject({ kind: "resume", session_id: first.session_id, parent_job_id: first.job_id, cwd: first.cwd });
    expect(second.result?.final_message).toBe("I edited notes.txt.");
    // codex reports thread totals after a resume (303 = 201 + 102); the job keeps this turn's share.
    expect(second.result?.usage).toMatchObject({ inputTokens: 102, outputTokens: 12 });
    expect(JSON.parse(api.requests[2]!.headers["x-codex-turn-metadata"]!)).toMatchObject({
      sandbox_mode: "workspace-write",
      history_initialization: "cold_resume",
    });
  });

  test("a model API error is a failed job carrying the API's message", async () => {
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.apiError(400, "quota exceeded for fake project")]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const client = await patchbayFor(box, ws);
    const view = await result(client, await call(client, "codex_apply_job", { spec: "hi", agent: "codex", repo_path: ws }));
    expect(view.state).toBe("failed");
    expect(view.result?.error).toContain("quota exceeded for fake project");
  });

  test("an unreachable API (closed port) is ended by the idle timeout", async () => {
    const box = keep(codexSandbox(`http://127.0.0.1:${await closedPort()}/v1`));
    await idleCase("codex", box, repo());
  });
});

describe.skipIf(skip !== undefined)("jobs through the binary: claude", () => {
  test("an apply job edits notes.txt in its worktree; codex_resume continues the same session there", async () => {
    const api = keep(await anthropicApi.startAnthropicMessages([]));
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = repo();
    const client = await patchbayFor(box, ws);
    // Claude must Read a file before it may Edit it; relative paths resolve in the job's worktree.
    api.script(
      anthropicApi.toolUse("Read", { file_path: "notes.txt" }),
      anthropicApi.toolUse("Edit", { file_path: "notes.txt", old_string: "line two", new_string: "line 2 (edited by claude)" }),
      anthropicApi.say("Edited notes.txt."),
    );
    const first = await result(client, await call(client, "codex_apply_job", { spec: "Edit notes.txt", agent: "claude", repo_path: ws }));
    expectEditedInWorktree(first, ws, "line one\nline 2 (edited by claude)\n");
    expect(first.result?.final_message).toBe("Edited notes.txt.");
    expect(first.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(api.requests[0]!.headers["x-claude-code-session-id"]).toBe(first.session_id);

    api.script(anthropicApi.say("I edited notes.txt."));
    const second = await result(client, await call(client, "codex_resume", { session_id: first.session_id, spec: "What did you do?" }));
    expect(second.state, JSON.stringify(second.result)).toBe("succeeded");
    expect(second).toMatchObject({ kind: "resume", agent: "claude", session_id: first.session_id, parent_job_id: first.job_id, cwd: first.cwd });
    expect(second.result?.final_message).toBe("I edited notes.txt.");
    expect(JSON.stringify(api.requests.at(-1)!.body.messages)).toContain("line 2 (edited by claude)");
  });

  test("a model API error is a failed job carrying the API's message", async () => {
    const api = keep(await anthropicApi.startAnthropicMessages([anthropicApi.apiError(529, "fake API is overloaded", "overloaded_error")]));
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = repo();
    const client = await patchbayFor(box, ws);
    const view = await result(client, await call(client, "codex_apply_job", { spec: "hi", agent: "claude", repo_path: ws }));
    expect(view.state).toBe("failed");
    expect(view.result?.error).toContain("fake API is overloaded");
  });

  test("an unreachable API fails at once with claude's own message; a hung API is ended by the idle timeout", async () => {
    const refused = keep(claudeSandbox(`http://127.0.0.1:${await closedPort()}`));
    const ws = repo();
    // No short idle timer here: it counts claude's start-up (over 3 s on a loaded machine) and would race claude's own exit.
    const client = await patchbayFor(refused, ws);
    const fast = await result(client, await call(client, "codex_apply_job", { spec: "hi", agent: "claude", repo_path: ws }));
    expect(fast.state).toBe("failed");
    expect(fast.result?.error).toContain("Connection refused");

    const api = keep(await anthropicApi.startAnthropicMessages([anthropicApi.hang()]));
    // The idle timer counts claude's start-up too, which took over 3 s on a loaded machine: with 3 s claude was
    // sometimes stopped before it reached the hung API, and this case would test nothing. 10 s leaves it the time.
    await idleCase("claude", keep(claudeSandbox(api.baseUrl)), repo(), 10);
    expect(api.modelRequests()).toHaveLength(1);
  });
});

describe.skipIf(skip !== undefined)("jobs through the binary: gemini", () => {
  test("an apply job edits notes.txt in its worktree; codex_resume continues the same session there", async () => {
    const api = keep(await geminiApi.startGemini([]));
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = repo();
    const client = await patchbayFor(box, ws);
    api.script(
      geminiApi.functionCall("replace", {
        file_path: "notes.txt",
        instruction: "Rename line two.",
        old_string: "line two",
        new_string: "line 2 (edited by gemini)",
      }),
      geminiApi.say("Edited ", "notes.txt."),
    );
    const first = await result(client, await call(client, "codex_apply_job", { spec: "Edit notes.txt", agent: "gemini", repo_path: ws }));
    expectEditedInWorktree(first, ws, "line one\nline 2 (edited by gemini)\n");
    expect(first.result?.final_message).toBe("Edited notes.txt.");
    expect(first.session_id).toMatch(/^[0-9a-f-]{36}$/);

    api.script(geminiApi.say("I edited notes.txt."));
    const second = await result(client, await call(client, "codex_resume", { session_id: first.session_id, spec: "What did you do?" }));
    expect(second.state, JSON.stringify(second.result)).toBe("succeeded");
    expect(second).toMatchObject({ kind: "resume", agent: "gemini", session_id: first.session_id, parent_job_id: first.job_id, cwd: first.cwd });
    expect(second.result?.final_message).toBe("I edited notes.txt.");
    expect(JSON.stringify(api.modelRequests().at(-1)!.body.contents)).toContain("functionResponse");
  });

  test("a model API error is a failed job carrying the API's message", async () => {
    const api = keep(await geminiApi.startGemini([geminiApi.apiError(400, "fake API key not valid for this model")]));
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = repo();
    const client = await patchbayFor(box, ws);
    const view = await result(client, await call(client, "codex_apply_job", { spec: "hi", agent: "gemini", model: "gemini-2.5-pro", repo_path: ws }));
    expect(view.state).toBe("failed");
    expect(view.exit?.code).toBe(144);
    expect(view.result?.error).toContain("fake API key not valid for this model");
  });

  test("an unreachable API (closed port) is ended by the idle timeout", async () => {
    const box = keep(geminiSandbox(`http://127.0.0.1:${await closedPort()}`));
    await idleCase("gemini", box, repo());
  });
});
