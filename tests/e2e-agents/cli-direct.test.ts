/**
 * Step one of the agent end-to-end layer, and the canaries for CLI drift: each REAL agent CLI
 * (pinned in tests/agents-cli) spawned directly, in a temp git repository, against the scripted
 * fake model API of its wire protocol on 127.0.0.1. For each CLI: a turn that writes a file, a
 * second process that resumes the same session, and a model API error. When one of these fails
 * after a version bump, the CLI changed what it sends, accepts or prints: read the failure against
 * ../shared/agent-cli/README.md before touching the adapters.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as anthropic from "../support/fake-apis/anthropic-messages.ts";
import * as gemini from "../support/fake-apis/gemini.ts";
import * as openai from "../support/fake-apis/openai-responses.ts";
import {
  agentBin,
  agentClisMissing,
  claudeSandbox,
  codexSandbox,
  geminiSandbox,
  PINNED,
  runCli,
  type AgentSandbox,
  keepForFile,
} from "../support/fake-apis/agent-env.ts";
import { makeGitRepo } from "../support/git-repo.ts";

const missing = agentClisMissing();
if (missing) console.warn(`\n[e2e-agents/cli-direct] ${missing}\n`);

const keep = keepForFile();

/** Each CLI run must stay well under 20 s (they take about 1-3 s here). */
const RUN_MS = 20_000;

function repo(): string {
  return makeGitRepo({ "README.md": "# scratch\n" }, { prefix: "pb-e2e-agents-" });
}

describe.skipIf(missing !== undefined)("codex exec (real CLI) against the fake Responses API", () => {
  test("reports the pinned version", async () => {
    const box = keep(codexSandbox("http://127.0.0.1:9/v1"));
    const run = await runCli(agentBin("codex"), ["--version"], { cwd: box.root, env: box.env, timeoutMs: RUN_MS });
    expect(run.stdout.trim()).toBe(`codex-cli ${PINNED.codex.version}`);
  });

  test("exec_command writes a file, then `exec resume` continues the same thread", async () => {
    const api = keep(
      await openai.startOpenAIResponses([openai.runCommand("printf 'hello from fake codex\\n' > hello.txt && ls"), openai.say("Created hello.txt.")]),
    );
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();

    const first = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "Create hello.txt containing a greeting."], {
      cwd: ws,
      env: box.env,
      timeoutMs: RUN_MS,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(join(ws, "hello.txt"), "utf8")).toBe("hello from fake codex\n");
    const threadId = first.events.find((e) => e.type === "thread.started")?.thread_id;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
    const types = first.events.map((e) => (e.item ? `${e.type}:${e.item.type}` : e.type));
    expect(types).toEqual([
      "thread.started",
      "item.completed:error",
      "turn.started",
      "item.started:command_execution",
      "item.completed:command_execution",
      "item.completed:agent_message",
      "turn.completed",
    ]);
    const command = first.events.find((e) => e.type === "item.completed" && e.item.type === "command_execution").item;
    expect(command).toMatchObject({ exit_code: 0, status: "completed", aggregated_output: "README.md\nhello.txt\n" });
    expect(first.events.find((e) => e.item?.type === "agent_message").item.text).toBe("Created hello.txt.");
    expect(first.events.at(-1).usage).toMatchObject({ input_tokens: 201, output_tokens: 21 });

    // What codex sent: the provider's path and key, the thread id, the tool output fed back.
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/responses", "POST /v1/responses"]);
    const [req0, req1] = api.requests;
    expect(req0!.headers.authorization).toBe("Bearer sk-fake-local");
    expect(req0!.headers["thread-id"]).toBe(threadId);
    expect(req0!.body).toMatchObject({ model: "fake-model", stream: true });
    expect(req0!.body.tools.map((t: { name?: string }) => t.name)).toContain("exec_command");
    expect(JSON.parse(req0!.headers["x-codex-turn-metadata"]!).sandbox_mode).toBe("workspace-write");
    expect(openai.lastInputOfType(req1!.body, "function_call_output").output).toContain("Process exited with code 0");

    api.script(openai.say("Resumed: I created hello.txt."));
    const second = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "resume", threadId, "What did you do?"], {
      cwd: ws,
      env: box.env,
      timeoutMs: RUN_MS,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.events.find((e) => e.type === "thread.started").thread_id).toBe(threadId);
    expect(second.events.find((e) => e.item?.type === "agent_message").item.text).toBe("Resumed: I created hello.txt.");
    // Usage after resume is thread-cumulative: 201 + 102.
    expect(second.events.at(-1)).toMatchObject({ type: "turn.completed", usage: { input_tokens: 303 } });
    const resumed = api.requests[2]!;
    expect(JSON.parse(resumed.headers["x-codex-turn-metadata"]!)).toMatchObject({ history_initialization: "cold_resume", sandbox_mode: "workspace-write" });
    expect(resumed.body.input.some((item: any) => item.type === "function_call" && item.name === "exec_command")).toBe(true);
  });

  test("apply_patch (offered to a known model slug) adds a file; file_change paths are absolute", async () => {
    const api = keep(
      await openai.startOpenAIResponses([
        openai.turn([
          openai.reasoning("Create the file with apply_patch."),
          openai.applyPatch(openai.addFilePatch("notes/patched.txt", ["line one", "line two"])),
        ]),
        openai.say("Patched."),
      ]),
    );
    const box = keep(codexSandbox(api.baseUrl, { model: "gpt-5.5" }));
    const ws = repo();
    const run = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "Add notes/patched.txt"], {
      cwd: ws,
      env: box.env,
      timeoutMs: RUN_MS,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(ws, "notes/patched.txt"), "utf8")).toBe("line one\nline two\n");
    const change = run.events.find((e) => e.type === "item.completed" && e.item.type === "file_change").item;
    expect(change.changes).toEqual([{ path: join(ws, "notes/patched.txt"), kind: "add" }]);
    expect(run.events.find((e) => e.item?.type === "reasoning").item.text).toBe("Create the file with apply_patch.");
    expect(api.requests[0]!.body.tools.map((t: { name?: string }) => t.name)).toContain("apply_patch");
    expect(openai.lastInputOfType(api.requests[1]!.body, "custom_tool_call_output").output).toContain("A notes/patched.txt");
  });

  test("a model API error ends in turn.failed, exit 1: a 400 carries the API's message, a 500 gets codex's own text", async () => {
    const api = keep(
      await openai.startOpenAIResponses([openai.apiError(400, "boom from fake responses"), openai.apiError(500, "boom 500 from fake responses")]),
    );
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const run = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "hi"], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(run.code).toBe(1);
    expect(run.events.at(-1).type).toBe("turn.failed");
    // Codex 0.171.0 passes a 400's JSON body through as the message, verbatim.
    expect(JSON.parse(run.events.at(-1).error.message)).toMatchObject({ error: { message: "boom from fake responses" } });

    const run500 = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "hi"], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(run500.code).toBe(1);
    // Codex 0.171.0 replaces a 500's body with a generic text (the captures show the same).
    expect(run500.events.at(-1)).toMatchObject({
      type: "turn.failed",
      error: { message: "We’re currently experiencing high demand, which may cause temporary errors." },
    });
    expect(api.modelRequests()).toHaveLength(2);
  });
});

describe.skipIf(missing !== undefined)("claude -p (real CLI) against the fake Messages API", () => {
  test("reports the pinned version", async () => {
    const box = keep(claudeSandbox("http://127.0.0.1:9"));
    const run = await runCli(agentBin("claude"), ["--version"], { cwd: box.root, env: box.env, timeoutMs: RUN_MS });
    expect(run.stdout.trim()).toBe(`${PINNED.claude.version} (Claude Code)`);
  });

  test("Write creates a file with acceptEdits, then --resume continues the same session", async () => {
    const api = keep(
      await anthropic.startAnthropicMessages([
        anthropic.writeFile("hello.txt", "hello from fake claude\n", "I'll create the file."),
        anthropic.say("Created hello.txt."),
      ]),
    );
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = repo();
    const flags = ["--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits"];

    const first = await runCli(agentBin("claude"), ["-p", "Create hello.txt containing a greeting.", ...flags], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(readFileSync(join(ws, "hello.txt"), "utf8")).toBe("hello from fake claude\n");
    const init = first.events.find((e) => e.type === "system" && e.subtype === "init");
    const sessionId = init?.session_id;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(init).toMatchObject({ permissionMode: "acceptEdits", apiKeySource: "ANTHROPIC_API_KEY", claude_code_version: PINNED.claude.version });
    const shapes = first.events.map((e) =>
      e.type === "assistant" || e.type === "user" ? `${e.type}:${e.message.content.map((c: { type: string }) => c.type).join(",")}` : e.type,
    );
    expect(shapes).toEqual(["system", "assistant:text", "assistant:tool_use", "user:tool_result", "assistant:text", "result"]);
    const result = first.events.at(-1);
    expect(result).toMatchObject({ type: "result", is_error: false, result: "Created hello.txt.", session_id: sessionId, permission_denials: [] });

    expect(api.requests.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual(["POST /v1/messages?beta=true", "POST /v1/messages?beta=true"]);
    const [req0, req1] = api.requests;
    expect(req0!.headers["x-api-key"]).toBe("sk-ant-fake");
    expect(req0!.headers["x-claude-code-session-id"]).toBe(sessionId);
    expect(req0!.body.stream).toBe(true);
    expect(req0!.body.tools.map((t: { name: string }) => t.name)).toContain("Write");
    expect(req1!.body.messages.at(-1).content[0]).toMatchObject({ type: "tool_result" });

    api.script(anthropic.say("Resumed: I created hello.txt."));
    const second = await runCli(agentBin("claude"), ["-p", "What did you do?", "--resume", sessionId, ...flags], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.events.find((e) => e.type === "system").session_id).toBe(sessionId);
    expect(second.events.at(-1)).toMatchObject({ type: "result", is_error: false, result: "Resumed: I created hello.txt.", session_id: sessionId });
    // The resumed request replays the first conversation.
    const replay = JSON.stringify(api.requests[2]!.body.messages);
    expect(replay).toContain("hello from fake claude");
    expect(replay).toContain("What did you do?");
  });

  test("an HTTP 500 is a result with is_error true (subtype success) carrying the API's message, exit 1", async () => {
    const api = keep(await anthropic.startAnthropicMessages([anthropic.apiError(500, "boom from fake messages")]));
    const box = keep(claudeSandbox(api.baseUrl));
    const run = await runCli(agentBin("claude"), ["-p", "hi", "--output-format", "stream-json", "--verbose"], { cwd: repo(), env: box.env, timeoutMs: RUN_MS });
    expect(run.code).toBe(1);
    const result = run.events.find((e) => e.type === "result");
    expect(result).toMatchObject({ is_error: true, api_error_status: 500 });
    expect(result.result).toContain("boom from fake messages");
  });
});

describe.skipIf(missing !== undefined)("gemini -p (real CLI) against the fake Gemini API", () => {
  test("reports the pinned version", async () => {
    const box = keep(geminiSandbox("http://127.0.0.1:9"));
    const run = await runCli(agentBin("gemini"), ["--version"], { cwd: box.root, env: box.env, timeoutMs: RUN_MS });
    expect(run.stdout.trim()).toBe(PINNED.gemini.version);
  });

  test("write_file creates a file in yolo mode, then --resume continues the same session", async () => {
    const api = keep(await gemini.startGemini([gemini.writeFile("hello.txt", "hello from fake gemini\n"), gemini.say("Created ", "hello.txt.")]));
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = repo();
    const flags = ["--output-format", "stream-json", "--approval-mode", "yolo"];

    const first = await runCli(agentBin("gemini"), ["-p", "Create hello.txt containing a greeting.", ...flags], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(join(ws, "hello.txt"), "utf8")).toBe("hello from fake gemini\n");
    const sessionId = first.events.find((e) => e.type === "init")?.session_id;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.events.map((e) => e.type)).toEqual(["init", "message", "tool_use", "tool_result", "message", "message", "result"]);
    expect(first.events.find((e) => e.type === "tool_use")).toMatchObject({ tool_name: "write_file", parameters: { file_path: "hello.txt" } });
    expect(first.events.find((e) => e.type === "tool_result")).toMatchObject({ status: "success" });
    const text = first.events.filter((e) => e.type === "message" && e.role === "assistant");
    expect(text.every((e) => e.delta === true)).toBe(true);
    expect(text.map((e) => e.content).join("")).toBe("Created hello.txt.");
    expect(first.events.at(-1)).toMatchObject({ type: "result", status: "success" });

    // The router classifier (generateContent) is answered outside the script; the steps stream.
    const aux = api.requests.filter((r) => r.auxiliary);
    expect(aux.length).toBeGreaterThanOrEqual(1);
    expect(aux[0]!.path).toMatch(/:generateContent$/);
    expect(api.modelRequests().map((r) => r.query)).toEqual(["alt=sse", "alt=sse"]);
    expect(api.modelRequests()[0]!.headers["x-goog-api-key"]).toBe("fake-gemini-key");
    const fnResponse = JSON.stringify(api.modelRequests()[1]!.body.contents.at(-1));
    expect(fnResponse).toContain("functionResponse");

    api.script(gemini.say("Resumed: I created hello.txt."));
    const second = await runCli(agentBin("gemini"), ["-p", "What did you do?", "--resume", sessionId, ...flags], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(second.code, second.stderr).toBe(0);
    expect(second.events.find((e) => e.type === "init").session_id).toBe(sessionId);
    expect(
      second.events
        .filter((e) => e.type === "message" && e.role === "assistant")
        .map((e) => e.content)
        .join(""),
    ).toBe("Resumed: I created hello.txt.");
    expect(JSON.stringify(api.modelRequests().at(-1)!.body.contents)).toContain("functionCall");
  });

  test("an HTTP 400 is a result with status error carrying the API's message, exit 144", async () => {
    const api = keep(await gemini.startGemini([gemini.apiError(400, "boom from fake gemini")]));
    const box = keep(geminiSandbox(api.baseUrl));
    const run = await runCli(agentBin("gemini"), ["-p", "hi", "--output-format", "stream-json", "--approval-mode", "yolo", "-m", "gemini-2.5-pro"], {
      cwd: repo(),
      env: box.env,
      timeoutMs: RUN_MS,
    });
    expect(run.code).toBe(144);
    const result = run.events.find((e) => e.type === "result");
    expect(result).toMatchObject({ status: "error" });
    expect(result.error.message).toContain("boom from fake gemini");
    expect(api.models()).toEqual(["gemini-2.5-pro"]);
  });
});

/**
 * The shape patchbay's adapters use (src/agents): the prompt on stdin, then stdin closed, never in
 * argv. Codex reads it from `-` (also after `resume <id>`), claude from `-p` with no text, gemini
 * headless with no `-p` at all.
 */
describe.skipIf(missing !== undefined)("prompt on stdin, as the adapters pass it", () => {
  test("codex exec … - and codex exec … resume <id> -", async () => {
    const api = keep(await openai.startOpenAIResponses([openai.say("first"), openai.say("second")]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const flags = ["exec", "--json", "--sandbox", "workspace-write", "-C", ws, "--skip-git-repo-check"];
    const first = await runCli(agentBin("codex"), [...flags, "-"], { cwd: ws, env: box.env, input: "PROMPT-ONE on stdin", timeoutMs: RUN_MS });
    expect(first.code, first.stderr).toBe(0);
    const threadId = first.events[0].thread_id;
    const second = await runCli(agentBin("codex"), [...flags, "resume", threadId, "-"], {
      cwd: ws,
      env: box.env,
      input: "PROMPT-TWO on stdin",
      timeoutMs: RUN_MS,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.events[0].thread_id).toBe(threadId);
    expect(JSON.stringify(api.requests[0]!.body.input)).toContain("PROMPT-ONE on stdin");
    expect(JSON.stringify(api.requests[1]!.body.input.at(-1))).toContain("PROMPT-TWO on stdin");
  });

  test("claude -p (no text) reads the prompt from stdin", async () => {
    const api = keep(await anthropic.startAnthropicMessages([anthropic.say("ok")]));
    const box = keep(claudeSandbox(api.baseUrl));
    const run = await runCli(agentBin("claude"), ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "plan"], {
      cwd: repo(),
      env: box.env,
      input: "PROMPT-CLAUDE on stdin",
      timeoutMs: RUN_MS,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ type: "result", is_error: false, result: "ok" });
    expect(JSON.stringify(api.requests[0]!.body.messages)).toContain("PROMPT-CLAUDE on stdin");
  });

  test("gemini with no -p runs headless on a piped stdin", async () => {
    const api = keep(await gemini.startGemini([gemini.say("ok")]));
    const box = keep(geminiSandbox(api.baseUrl));
    const run = await runCli(agentBin("gemini"), ["--output-format", "stream-json", "--approval-mode", "plan"], {
      cwd: repo(),
      env: box.env,
      input: "PROMPT-GEMINI on stdin",
      timeoutMs: RUN_MS,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ type: "result", status: "success" });
    expect(JSON.stringify(api.modelRequests()[0]!.body.contents)).toContain("PROMPT-GEMINI on stdin");
  });
});
