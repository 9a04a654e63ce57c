import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AgentAdapter, type AgentEvent, claude, codex, customAgent, gemini } from "../../src/agents/index.ts";
import { captureLines, captureText, feed, removeTempDirs, tempDir, turnOf } from "./support.ts";

afterAll(removeTempDirs);

const ok = { code: 0, signal: null };
const CODEX_THREAD = "01a223a2-0d5b-7c83-8e38-b803837343bf";
const METADATA_WARNING: AgentEvent = {
  type: "error",
  message: "Model metadata for `fake-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.",
  fatal: false,
};
const HELLO_COMMAND = "/bin/bash -lc \"echo 'hello from fake model' > hello.txt && ls\"";

describe("codex parser on captured streams", () => {
  test("exec_command then a message: session, warning kept as non-fatal, command, message, usage", () => {
    const usage = { inputTokens: 201, outputTokens: 21, cachedInputTokens: 0, reasoningTokens: 0 };
    expect(feed(codex, turnOf({ scratchDir: tempDir() }), captureLines("captures/codex-exec-command-and-resume/first.stdout.jsonl"), ok)).toEqual({
      events: [
        { type: "session", sessionId: CODEX_THREAD },
        METADATA_WARNING,
        { type: "command", command: HELLO_COMMAND, status: "started" },
        { type: "command", command: HELLO_COMMAND, status: "completed", exitCode: 0, output: "hello.txt\n" },
        { type: "message", text: "Created hello.txt." },
        { type: "usage", usage, cumulative: false },
      ],
      result: { status: "succeeded", sessionId: CODEX_THREAD, finalMessage: "Created hello.txt.", usage, usageCumulative: false },
    });
  });

  test("a resumed turn reports thread-cumulative usage, marked cumulative", () => {
    const usage = { inputTokens: 301, outputTokens: 31, cachedInputTokens: 0, reasoningTokens: 0 };
    const { events, result } = feed(
      codex,
      turnOf({ resumeSessionId: CODEX_THREAD, scratchDir: tempDir() }),
      captureLines("captures/codex-exec-command-and-resume/resume.stdout.jsonl"),
      ok,
    );
    expect(events.at(-1)).toEqual({ type: "usage", usage, cumulative: true });
    expect(result).toEqual({
      status: "succeeded",
      sessionId: CODEX_THREAD,
      finalMessage: "Resumed turn: earlier I created hello.txt.",
      usage,
      usageCumulative: true,
    });
  });

  test("apply_patch: reasoning and one file_change per change with its absolute path", () => {
    const { events, result } = feed(codex, turnOf({ scratchDir: tempDir() }), captureLines("captures/codex-apply-patch/first.stdout.jsonl"), ok);
    expect(events.slice(0, 5)).toEqual([
      { type: "session", sessionId: "01a223a2-1537-77e3-8c5a-80fcf0b3dac5" },
      { type: "reasoning", text: "Create the file with apply_patch." },
      { type: "file_change", path: "/r/ws/notes/patched.txt", kind: "add" },
      { type: "file_change", path: "/r/ws/notes/patched.txt", kind: "update" },
      { type: "message", text: "Patched notes/patched.txt twice." },
    ]);
    expect(result.finalMessage).toBe("Patched notes/patched.txt twice.");
  });

  test("MCP tool calls are tool_call events named server.tool", () => {
    const { events } = feed(codex, turnOf({ scratchDir: tempDir() }), captureLines("captures/codex-mcp/first.stdout.jsonl"), ok);
    expect(events.filter((event) => event.type === "tool_call")).toEqual([
      { type: "tool_call", name: "trivial.echo", status: "started" },
      { type: "tool_call", name: "trivial.echo", status: "completed" },
      { type: "tool_call", name: "trivial.write_note", status: "started" },
      { type: "tool_call", name: "trivial.write_note", status: "completed" },
    ]);
  });

  test("HTTP 500: turn.failed is a failure with the API's message, said once", () => {
    const message = "We’re currently experiencing high demand, which may cause temporary errors.";
    expect(feed(codex, turnOf({ scratchDir: tempDir() }), captureLines("captures/codex-http-500/first.stdout.jsonl"), { code: 1, signal: null })).toEqual({
      events: [{ type: "session", sessionId: "01a223a2-1f23-7200-989c-1917a6cffc7a" }, METADATA_WARNING, { type: "error", message, fatal: true }],
      result: { status: "failed", sessionId: "01a223a2-1f23-7200-989c-1917a6cffc7a", error: message },
    });
  });

  test("reconnect notices are non-fatal; no turn.completed is a failure naming the exit and stderr", () => {
    const lines = [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"error","message":"Reconnecting... waiting for network (Connection failed: error sending request)"}',
    ];
    const { events, result } = feed(
      codex,
      turnOf({ scratchDir: tempDir() }),
      lines,
      { code: null, signal: "SIGTERM" },
      "WARNING: noise\nReading additional input from stdin...\n",
    );
    expect(events[1]).toEqual({ type: "error", message: "Reconnecting... waiting for network (Connection failed: error sending request)", fatal: false });
    expect(result).toEqual({ status: "failed", sessionId: "t", error: "codex was killed by SIGTERM: WARNING: noise\nReading additional input from stdin..." });
  });

  test("with an output schema the final message is parsed; the -o file stands in when no message was streamed", () => {
    const scratchDir = tempDir();
    writeFileSync(join(scratchDir, "last-message.txt"), '{"ok":true}\n');
    const lines = ['{"type":"thread.started","thread_id":"t"}', '{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":2}}'];
    expect(feed(codex, turnOf({ scratchDir, outputSchema: { type: "object" } }), lines, ok).result).toEqual({
      status: "succeeded",
      sessionId: "t",
      finalMessage: '{"ok":true}',
      structured: { ok: true },
      usage: { inputTokens: 1, outputTokens: 2 },
      usageCumulative: false,
    });
    const notJson = ['{"type":"item.completed","item":{"type":"agent_message","text":"sure!"}}', '{"type":"turn.completed","usage":{}}'];
    expect(feed(codex, turnOf({ scratchDir: tempDir(), outputSchema: {} }), notJson, ok).result.status).toBe("failed");
  });
});

describe("claude parser on captured streams", () => {
  const SESSION = "b90f911f-21ee-47d7-b846-9a78184b36fa";

  test("Write: one event per content block, file_change resolved against cwd, result as the final message", () => {
    const usage = { inputTokens: 101, outputTokens: 11, cachedInputTokens: 0, costUsd: 0.000624, sessionCostUsd: 0.000624 };
    expect(feed(claude, turnOf(), captureLines("captures/claude-write-and-resume/first.stdout.jsonl"), ok)).toEqual({
      events: [
        { type: "session", sessionId: SESSION },
        { type: "message", text: "I'll create the file." },
        { type: "tool_call", name: "Write", status: "started" },
        { type: "tool_call", name: "Write", status: "completed" },
        { type: "file_change", path: "/r/ws/hello.txt", kind: "add" },
        { type: "message", text: "Created hello.txt." },
        { type: "usage", usage, cumulative: false },
      ],
      result: { status: "succeeded", sessionId: SESSION, finalMessage: "Created hello.txt.", usage },
    });
  });

  test("resume: tokens are this invocation's, the cost is split into this turn's and the session's", () => {
    const { result } = feed(claude, turnOf({ resumeSessionId: SESSION }), captureLines("captures/claude-write-and-resume/resume.stdout.jsonl"), ok);
    expect(result).toEqual({
      status: "succeeded",
      sessionId: SESSION,
      finalMessage: "Resumed turn: earlier I created hello.txt.",
      usage: { inputTokens: 50, outputTokens: 5, cachedInputTokens: 0, costUsd: 0.0003, sessionCostUsd: 0.000924 },
    });
  });

  test("HTTP 500: is_error true fails the turn although subtype says success", () => {
    const message =
      "API Error: 500 boom from fake. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:41827).";
    const { events, result } = feed(claude, turnOf(), captureLines("captures/claude-http-500/first.stdout.jsonl"), { code: 1, signal: null });
    expect(events.at(-1)).toEqual({ type: "error", message, fatal: true });
    expect(result).toEqual({
      status: "failed",
      sessionId: "0ee30ce4-875a-4da9-93ca-38d36141d0e5",
      error: message,
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, sessionCostUsd: 0 },
    });
  });

  test("Bash is a command with its output; MCP tools are tool calls", () => {
    const { events } = feed(claude, turnOf(), captureLines("captures/claude-mcp/first.stdout.jsonl"), ok);
    expect(events.slice(1, 6)).toEqual([
      { type: "tool_call", name: "mcp__trivial__echo", status: "started" },
      { type: "tool_call", name: "mcp__trivial__echo", status: "completed" },
      { type: "command", command: "echo bash-made > bash.txt && cat bash.txt", status: "started" },
      { type: "command", command: "echo bash-made > bash.txt && cat bash.txt", status: "completed", output: "bash-made" },
      { type: "message", text: "finished" },
    ]);
  });

  test("denied tools: a failed tool call, no file_change, and a non-fatal error per denial", () => {
    const lines = [
      '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Write","input":{"file_path":"a.txt","content":"x"}}]}}',
      '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"Cannot write to a.txt while in plan mode."}]}}',
      '{"type":"result","subtype":"success","is_error":false,"result":"I could not write.","usage":{"input_tokens":1,"output_tokens":1},' +
        '"permission_denials":[{"tool_name":"Write","tool_use_id":"t1","tool_input":{}}]}',
    ];
    const { events, result } = feed(claude, turnOf({ access: "read_only" }), lines, ok);
    expect(events.slice(0, 3)).toEqual([
      { type: "tool_call", name: "Write", status: "started" },
      { type: "tool_call", name: "Write", status: "failed", error: "Cannot write to a.txt while in plan mode." },
      { type: "error", message: "permission denied: Write", fatal: false },
    ]);
    expect(result.status).toBe("succeeded");
  });

  test("no result line: failed with the exit and stderr", () => {
    expect(feed(claude, turnOf(), [], { code: 1, signal: null }, "Error: Session ID x is already in use.\n").result).toEqual({
      status: "failed",
      error: "claude exited with code 1: Error: Session ID x is already in use.",
    });
  });
});

describe("gemini parser on captured streams", () => {
  const SESSION = "e9216a8d-7810-4c5a-8f39-7a70b816de9a";

  test("write_file: tool call, file_change, the delta message, per-invocation usage", () => {
    const usage = { inputTokens: 211, outputTokens: 22, cachedInputTokens: 0 };
    expect(feed(gemini, turnOf(), captureLines("captures/gemini-write-and-resume/first.stdout.jsonl"), ok)).toEqual({
      events: [
        { type: "session", sessionId: SESSION },
        { type: "tool_call", name: "write_file", status: "started" },
        { type: "tool_call", name: "write_file", status: "completed" },
        { type: "file_change", path: "/r/ws/hello.txt", kind: "add" },
        { type: "message", text: "Created hello.txt." },
        { type: "usage", usage, cumulative: false },
      ],
      result: { status: "succeeded", sessionId: SESSION, finalMessage: "Created hello.txt.", usage },
    });
  });

  test("resume keeps the session id", () => {
    expect(feed(gemini, turnOf({ resumeSessionId: SESSION }), captureLines("captures/gemini-write-and-resume/resume.stdout.jsonl"), ok).result).toEqual({
      status: "succeeded",
      sessionId: SESSION,
      finalMessage: "Resumed turn: earlier I created hello.txt.",
      usage: { inputTokens: 140, outputTokens: 14, cachedInputTokens: 0 },
    });
  });

  test("delta fragments join into one message per run; the final message is the last run; unknown lines are raw", () => {
    const { events, result } = feed(gemini, turnOf(), captureLines("synthetic/gemini-fragments.stdout.jsonl"), ok);
    expect(events.slice(1, 9)).toEqual([
      { type: "message", text: "I'll create the file." },
      { type: "tool_call", name: "replace", status: "started" },
      { type: "tool_call", name: "replace", status: "failed", error: "0 occurrences found" },
      { type: "command", command: "npm test", status: "started" },
      { type: "command", command: "npm test", status: "completed", output: "ok" },
      { type: "message", text: "Created hello.txt." },
      { type: "raw", line: '{"type":"some_future_event","detail":1}' },
      { type: "raw", line: "not json at all" },
    ]);
    expect(result.finalMessage).toBe("Created hello.txt.");
  });

  test("HTTP 400 (exit 144): failed with the API's message from the result line", () => {
    const message = '[API Error: {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}]';
    const { events, result } = feed(
      gemini,
      turnOf(),
      captureLines("captures/gemini-http-400/first.stdout.jsonl"),
      { code: 144, signal: null },
      captureText("captures/gemini-http-400/first.stderr.txt"),
    );
    expect(events.at(-1)).toEqual({ type: "error", message, fatal: true });
    expect(result).toEqual({
      status: "failed",
      sessionId: "d39cb001-0a36-476e-bc51-53b008739043",
      error: message,
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    });
  });

  test("exit 144 without a result line: the error line of stderr, not its stack trace", () => {
    const { result } = feed(gemini, turnOf(), [], { code: 144, signal: null }, captureText("captures/gemini-http-400/first.stderr.txt"));
    expect(result.status).toBe("failed");
    expect(result.error).toStartWith("gemini failed on a model API error (exit 144): Error when talking to Gemini API");
    expect(result.error).toContain("API key not valid");
  });
});

describe("custom parser by output contract", () => {
  const agent = (output_contract: "text" | "json" | "jsonl"): AgentAdapter =>
    customAgent("mine", { command: "x", args: [], prompt_mode: "stdin", output_contract, env: {} });

  test("text: every line raw, the final message is all of stdout", () => {
    expect(feed(agent("text"), turnOf(), ["line one", "line two"], ok)).toEqual({
      events: [
        { type: "raw", line: "line one" },
        { type: "raw", line: "line two" },
      ],
      result: { status: "succeeded", finalMessage: "line one\nline two" },
    });
  });

  test("json: the parsed stdout is structured, its message field the final message", () => {
    expect(feed(agent("json"), turnOf(), ['{"message": "done",', '"n": 1}'], ok).result).toEqual({
      status: "succeeded",
      finalMessage: "done",
      structured: { message: "done", n: 1 },
    });
    expect(feed(agent("json"), turnOf(), ["oops"], ok).result).toEqual({
      status: "failed",
      error: 'mine printed no valid JSON (output_contract = "json"): oops',
    });
  });

  test("jsonl: the last line's message or text field", () => {
    expect(feed(agent("jsonl"), turnOf(), ['{"text":"first"}', "noise", '{"text":"last"}'], ok).result).toEqual({ status: "succeeded", finalMessage: "last" });
  });

  test("a non-zero exit fails with the code and stderr", () => {
    expect(feed(agent("text"), turnOf(), ["partial"], { code: 3, signal: null }, "boom\n").result).toEqual({
      status: "failed",
      finalMessage: "partial",
      error: "mine exited with code 3: boom",
    });
  });
});

describe("parsers never throw", () => {
  const junk = [
    "",
    "{",
    "[]",
    "null",
    '"text"',
    '{"type":null}',
    '{"type":"item.completed"}',
    '{"type":"item.completed","item":5}',
    '{"type":"assistant","message":{"content":"x"}}',
    '{"type":"user","message":null}',
    '{"type":"result"}',
    '{"type":"tool_result"}',
    '{"type":"message","role":"assistant","delta":true}',
    '{"type":"turn.completed","usage":"x"}',
  ];
  for (const adapter of [codex, claude, gemini, agentOf()]) {
    test(`${adapter.name} takes malformed lines`, () => {
      const parser = adapter.parser(turnOf({ scratchDir: tempDir() }));
      for (const line of junk) expect(() => parser.line(line)).not.toThrow();
      expect(() => parser.finish({ code: 0, signal: null }, "")).not.toThrow();
    });
  }
});

function agentOf(): AgentAdapter {
  return customAgent("mine", { command: "x", args: [], prompt_mode: "stdin", output_contract: "jsonl", env: {} });
}
