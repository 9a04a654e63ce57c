/**
 * What each host's model reads of a patchbay result, taken from the request the REAL CLI sends its
 * (fake) model API after calling the tool through the registration `mcp install` wrote. Codex CLI
 * and Claude Code send the JSON of a result's `structuredContent` when it has one, and its text
 * otherwise; Gemini CLI always its text. patchbay answers those two hosts with the text alone
 * from a tool whose text carries all, `codex_read_file` among them (src/mcp/host-result.ts), so
 * every host's model reads the text written for it: a file's lines as they are, not escaped into
 * a JSON string beside its metadata.
 */
import { describe, expect, test } from "bun:test";
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
  keepForFile,
  runCli,
  type AgentSandbox,
} from "../support/fake-apis/agent-env.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { runConnect } from "./support.ts";

const missing = agentClisMissing();
if (missing) console.warn(`\n[connect/host-results] ${missing}\n`);

const keep = keepForFile();

const README = '# scratch\nsay "hi" twice\n';
/** The text patchbay writes for `codex_read_file` of README.md (src/workspace/tools/files.ts). */
const READ_TEXT = `README.md, lines 1-2 of 2:\n${README}`;

async function registered(box: AgentSandbox, host: string): Promise<string> {
  const ws = makeGitRepo({ "README.md": README }, { prefix: "pb-host-results-" });
  const env = { ...box.env, PATCHBAY_HOME: join(box.root, "patchbay-home") };
  const result = await runConnect(["mcp", "install", host, "--root", ws, "--standalone", "--json"], { cwd: ws, env });
  expect(result.code, result.stderr).toBe(0);
  return ws;
}

/** Every string in what a CLI sent its model for the tool's output, whatever shape it wraps them in. */
function stringsIn(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(stringsIn).join("\n");
  if (value && typeof value === "object") return Object.values(value).map(stringsIn).join("\n");
  return "";
}

/** What the model got back for the tool call: the tool's output in the CLI's next request. */
function expectTheText(output: unknown): void {
  const seen = stringsIn(output);
  expect(seen).toContain(READ_TEXT);
  // Not the structured result: no JSON key of it, no line escaped into a JSON string.
  expect(seen).not.toContain('"total_lines"');
  expect(seen).not.toContain("\\n");
}

describe.skipIf(missing !== undefined)("the model reads the text patchbay wrote for it", () => {
  test("codex exec", async () => {
    const call = {
      type: "function_call",
      namespace: "mcp__patchbay",
      name: "codex_read_file",
      arguments: '{"file_path":"README.md"}',
      call_id: "call_read",
    } as const;
    const api = keep(await openai.startOpenAIResponses([openai.turn([call]), openai.say("read.")]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = await registered(box, "codex");
    const run = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "Read the README."], {
      cwd: ws,
      env: box.env,
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const output = openai.lastInputOfType(api.requests[1]!.body, "function_call_output");
    expect(output.call_id).toBe("call_read");
    expectTheText(output.output);
  });

  test("claude -p", async () => {
    const api = keep(
      await anthropic.startAnthropicMessages([anthropic.toolUse("mcp__patchbay__codex_read_file", { file_path: "README.md" }), anthropic.say("read.")]),
    );
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = await registered(box, "claude");
    const args = ["-p", "Read the README.", "--output-format", "stream-json", "--verbose", "--allowedTools", "mcp__patchbay"];
    const run = await runCli(agentBin("claude"), args, { cwd: ws, env: box.env, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const messages = (api.requests[1]!.body as { messages: Array<{ content: Array<{ type: string; content?: unknown }> }> }).messages;
    const toolResult = messages.at(-1)!.content.find((block) => block.type === "tool_result")!;
    expectTheText(toolResult.content);
  });

  test("gemini -p", async () => {
    const api = keep(await gemini.startGemini([gemini.functionCall("mcp_patchbay_codex_read_file", { file_path: "README.md" }), gemini.say("read.")]));
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = await registered(box, "gemini");
    const run = await runCli(agentBin("gemini"), ["-p", "Read the README.", "--approval-mode", "yolo", "--output-format", "json"], {
      cwd: ws,
      env: box.env,
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    type Body = { contents?: Array<{ parts: Array<{ functionResponse?: { response: unknown } }> }> };
    // Gemini CLI sends other requests between the turns (routing, next speaker): the one that answers the call.
    const responses = api.requests.flatMap((request) => (request.body as Body).contents?.at(-1)?.parts.flatMap((part) => part.functionResponse ?? []) ?? []);
    expect(responses.length).toBeGreaterThan(0);
    expectTheText(responses[0]!.response);
  });
});
