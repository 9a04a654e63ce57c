/**
 * Step two, at the adapter level: patchbay's own `runAgent` (src/agents/run-agent.ts) with each built-in
 * adapter (command line, stdin prompt, parser) driving the REAL CLI against the scripted fake model
 * API. For each of codex, claude and gemini: a turn that edits a tracked file, a resumed session,
 * a model API error surfaced as a failed result carrying the API's message, and an unreachable API
 * ended by the idle timeout. jobs.test.ts proves the same through the job runtime and the binary.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { claude, codex, gemini, runAgent, type AgentAdapter, type AgentEvent, type RunOutcome } from "../../src/agents/index.ts";
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
import { git, makeGitRepo } from "../support/git-repo.ts";
import { tempDir } from "../support/patchbay.ts";

const missing = agentClisMissing();
if (missing) console.warn(`\n[e2e-agents/run-agent] ${missing}\n`);

const keep = keepForFile();

// The idle timer counts start-up too: at 3 s a loaded machine stopped codex before its first retry. No bound on the
// elapsed time: each retry line restarts the timer, and ending by the idle timeout (endedBy) is the effect under test.
const IDLE_MS = 8_000;

interface Turn {
  outcome: RunOutcome;
  events: AgentEvent[];
  ms: number;
}

async function turn(
  adapter: AgentAdapter,
  box: AgentSandbox,
  cwd: string,
  prompt: string,
  extra: { resumeSessionId?: string; model?: string; idleTimeoutMs?: number } = {},
): Promise<Turn> {
  const events: AgentEvent[] = [];
  const started = Date.now();
  const outcome = await runAgent({
    adapter,
    executable: agentBin(adapter.name as AgentName),
    turn: {
      prompt,
      cwd,
      access: "write",
      scratchDir: tempDir("pb-scratch-"),
      ...(extra.resumeSessionId && { resumeSessionId: extra.resumeSessionId }),
      ...(extra.model && { model: extra.model }),
    },
    env: box.env,
    timeoutMs: 30_000,
    idleTimeoutMs: extra.idleTimeoutMs ?? 15_000,
    killGraceMs: 1_000,
    onEvent: (event) => events.push(event),
  });
  return { outcome, events, ms: Date.now() - started };
}

function repo(): string {
  return makeGitRepo({ "notes.txt": "line one\nline two\n" }, { prefix: "pb-e2e-run-" });
}

function sessionOf(t: Turn): string | undefined {
  return t.events.find((e): e is Extract<AgentEvent, { type: "session" }> => e.type === "session")?.sessionId;
}

describe.skipIf(missing !== undefined)("runAgent + codex adapter + real codex", () => {
  test("apply_patch edits a tracked file; resume continues the thread with per-turn usage flagged cumulative", async () => {
    const patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n line one\n-line two\n+line 2 (edited by codex)\n*** End Patch\n";
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.applyPatch(patch), openaiApi.say("Edited notes.txt.")]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const first = await turn(codex, box, ws, "Edit notes.txt", { model: "gpt-5.5" });
    expect(first.outcome.endedBy).toBe("exit");
    expect(first.outcome.result).toMatchObject({ status: "succeeded", finalMessage: "Edited notes.txt.", usage: { inputTokens: 201, outputTokens: 21 } });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("line one\nline 2 (edited by codex)\n");
    expect(git(ws, "status", "--porcelain")).toBe("M notes.txt");
    expect(first.events).toContainEqual({ type: "file_change", path: join(ws, "notes.txt"), kind: "update" });
    const threadId = sessionOf(first)!;
    expect(first.outcome.result.sessionId).toBe(threadId);
    // The adapter passes the prompt on stdin, -C and the sandbox explicitly.
    expect(JSON.stringify(api.requests[0]!.body.input)).toContain("Edit notes.txt");
    expect(JSON.parse(api.requests[0]!.headers["x-codex-turn-metadata"]!).sandbox_mode).toBe("workspace-write");

    api.script(openaiApi.say("I edited notes.txt."));
    const second = await turn(codex, box, ws, "What did you do?", { resumeSessionId: threadId, model: "gpt-5.5" });
    expect(second.outcome.result).toMatchObject({ status: "succeeded", sessionId: threadId, finalMessage: "I edited notes.txt.", usageCumulative: true });
    expect(second.outcome.result.usage?.inputTokens).toBe(201 + 102);
    // The resumed turn kept workspace-write, because the adapter passes the sandbox again.
    expect(JSON.parse(api.requests[2]!.headers["x-codex-turn-metadata"]!)).toMatchObject({
      sandbox_mode: "workspace-write",
      history_initialization: "cold_resume",
    });
  });

  test("a model API error is a failed result carrying the API's message", async () => {
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.apiError(400, "quota exceeded for fake project")]));
    const box = keep(codexSandbox(api.baseUrl));
    const t = await turn(codex, box, repo(), "hi");
    expect(t.outcome.endedBy).toBe("exit");
    expect(t.outcome.exit.code).toBe(1);
    expect(t.outcome.result.status).toBe("failed");
    expect(t.outcome.result.error).toContain("quota exceeded for fake project");
  });

  test("an unreachable API (closed port) is ended by the idle timeout", async () => {
    const box = keep(codexSandbox(`http://127.0.0.1:${await closedPort()}/v1`));
    const t = await turn(codex, box, repo(), "hi", { idleTimeoutMs: IDLE_MS });
    expect(t.outcome.endedBy).toBe("idle_timeout");
    expect(t.outcome.result.status).toBe("failed");
    expect(t.events.some((e) => e.type === "error" && !e.fatal && e.message.startsWith("Reconnecting"))).toBe(true);
  });
});

describe.skipIf(missing !== undefined)("runAgent + claude adapter + real claude", () => {
  test("Read then Edit changes a tracked file; --resume continues the session", async () => {
    const api = keep(await anthropicApi.startAnthropicMessages([]));
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = repo();
    api.script(
      anthropicApi.toolUse("Read", { file_path: join(ws, "notes.txt") }),
      anthropicApi.toolUse("Edit", { file_path: join(ws, "notes.txt"), old_string: "line two", new_string: "line 2 (edited by claude)" }),
      anthropicApi.say("Edited notes.txt."),
    );
    const first = await turn(claude, box, ws, "Edit notes.txt");
    expect(first.outcome.result, JSON.stringify(first.events)).toMatchObject({ status: "succeeded", finalMessage: "Edited notes.txt." });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("line one\nline 2 (edited by claude)\n");
    expect(first.events).toContainEqual(expect.objectContaining({ type: "file_change", path: join(ws, "notes.txt") }));
    const sessionId = sessionOf(first)!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    api.script(anthropicApi.say("I edited notes.txt."));
    const second = await turn(claude, box, ws, "What did you do?", { resumeSessionId: sessionId });
    expect(second.outcome.result).toMatchObject({ status: "succeeded", sessionId, finalMessage: "I edited notes.txt." });
    expect(JSON.stringify(api.requests.at(-1)!.body.messages)).toContain("line 2 (edited by claude)");
  });

  test("a model API error is a failed result carrying the API's message", async () => {
    const api = keep(await anthropicApi.startAnthropicMessages([anthropicApi.apiError(529, "fake API is overloaded", "overloaded_error")]));
    const box = keep(claudeSandbox(api.baseUrl));
    const t = await turn(claude, box, repo(), "hi");
    expect(t.outcome.result.status).toBe("failed");
    expect(t.outcome.result.error).toContain("fake API is overloaded");
  });

  test("an unreachable API (closed port) fails at once with claude's connection error; a hung API is ended by the idle timeout", async () => {
    const refused = keep(claudeSandbox(`http://127.0.0.1:${await closedPort()}`));
    // No short idle timer here: it counts claude's start-up (over 3 s on a loaded machine) and would race claude's own exit.
    const fast = await turn(claude, refused, repo(), "hi");
    expect(fast.outcome.endedBy).toBe("exit");
    expect(fast.outcome.result.status).toBe("failed");
    expect(fast.outcome.result.error).toContain("Connection refused");

    const api = keep(await anthropicApi.startAnthropicMessages([anthropicApi.hang()]));
    const box = keep(claudeSandbox(api.baseUrl));
    const hung = await turn(claude, box, repo(), "hi", { idleTimeoutMs: IDLE_MS });
    expect(hung.outcome.endedBy).toBe("idle_timeout");
    expect(hung.outcome.result.status).toBe("failed");
  });
});

describe.skipIf(missing !== undefined)("runAgent + gemini adapter + real gemini", () => {
  test("replace edits a tracked file; --resume continues the session", async () => {
    const api = keep(await geminiApi.startGemini([]));
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = repo();
    api.script(
      geminiApi.functionCall("replace", {
        file_path: join(ws, "notes.txt"),
        instruction: "Rename line two.",
        old_string: "line two",
        new_string: "line 2 (edited by gemini)",
      }),
      geminiApi.say("Edited ", "notes.txt."),
    );
    const first = await turn(gemini, box, ws, "Edit notes.txt");
    expect(first.outcome.result, JSON.stringify(first.events)).toMatchObject({ status: "succeeded", finalMessage: "Edited notes.txt." });
    expect(readFileSync(join(ws, "notes.txt"), "utf8")).toBe("line one\nline 2 (edited by gemini)\n");
    expect(first.events).toContainEqual(expect.objectContaining({ type: "file_change", path: join(ws, "notes.txt") }));
    const sessionId = sessionOf(first)!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    api.script(geminiApi.say("I edited notes.txt."));
    const second = await turn(gemini, box, ws, "What did you do?", { resumeSessionId: sessionId });
    expect(second.outcome.result).toMatchObject({ status: "succeeded", sessionId, finalMessage: "I edited notes.txt." });
  });

  test("a model API error (400; a 429 is retried with backoff instead) is a failed result carrying the API's message, exit 144", async () => {
    const api = keep(await geminiApi.startGemini([geminiApi.apiError(400, "fake API key not valid for this model")]));
    const box = keep(geminiSandbox(api.baseUrl));
    const t = await turn(gemini, box, repo(), "hi", { model: "gemini-2.5-pro" });
    expect(t.outcome.result.status).toBe("failed");
    expect(t.outcome.exit.code).toBe(144);
    expect(t.outcome.result.error).toContain("fake API key not valid for this model");
  });

  test("an unreachable API (closed port) is ended by the idle timeout", async () => {
    const box = keep(geminiSandbox(`http://127.0.0.1:${await closedPort()}`));
    const t = await turn(gemini, box, repo(), "hi", { idleTimeoutMs: IDLE_MS });
    expect(t.outcome.endedBy).toBe("idle_timeout");
    expect(t.outcome.result.status).toBe("failed");
  });
});
