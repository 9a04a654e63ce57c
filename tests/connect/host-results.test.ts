/**
 * What each host's model reads of a patchbay result, taken from the request the REAL CLI sends its
 * (fake) model API after calling the tool through the registration `mcp install` wrote. Codex CLI
 * and Claude Code send the JSON of a result's `structuredContent` when it has one, and its text
 * otherwise; Gemini CLI always its text. patchbay answers those two hosts with the text alone
 * from a tool whose text carries all, `codex_read_file` among them (src/mcp/host-result.ts), so
 * every host's model reads the text written for it: a file's lines as they are, not escaped into
 * a JSON string beside its metadata. And a model's arguments in the shapes models send them (an
 * unused optional argument as `null`, a number as its text) reach patchbay through Codex CLI and
 * Claude Code as they came and are answered, not refused (src/mcp/model-arguments.ts); Gemini CLI
 * checks them against the schema before calling, so its model reads Gemini's own refusal.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
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

/** What one real CLI's model got back for a `codex_read_file` call with `args`, and where patchbay kept its state. */
interface Called {
  output: unknown;
  patchbayHome: string;
}

async function viaCodex(args: Record<string, unknown>): Promise<Called> {
  const call = { type: "function_call", namespace: "mcp__patchbay", name: "codex_read_file", arguments: JSON.stringify(args), call_id: "call_read" } as const;
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
  return { output: output.output, patchbayHome: join(box.root, "patchbay-home") };
}

async function viaClaude(args: Record<string, unknown>): Promise<Called> {
  const api = keep(await anthropic.startAnthropicMessages([anthropic.toolUse("mcp__patchbay__codex_read_file", args), anthropic.say("read.")]));
  const box = keep(claudeSandbox(api.baseUrl));
  const ws = await registered(box, "claude");
  const cli = ["-p", "Read the README.", "--output-format", "stream-json", "--verbose", "--allowedTools", "mcp__patchbay"];
  const run = await runCli(agentBin("claude"), cli, { cwd: ws, env: box.env, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  const messages = (api.requests[1]!.body as { messages: Array<{ content: Array<{ type: string; content?: unknown }> }> }).messages;
  return { output: messages.at(-1)!.content.find((block) => block.type === "tool_result")!.content, patchbayHome: join(box.root, "patchbay-home") };
}

async function viaGemini(args: Record<string, unknown>): Promise<Called> {
  const api = keep(await gemini.startGemini([gemini.functionCall("mcp_patchbay_codex_read_file", args), gemini.say("read.")]));
  const box = keep(geminiSandbox(api.baseUrl));
  const ws = await registered(box, "gemini");
  const cli = ["-p", "Read the README.", "--approval-mode", "yolo", "--output-format", "json"];
  const run = await runCli(agentBin("gemini"), cli, { cwd: ws, env: box.env, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  type Body = { contents?: Array<{ parts: Array<{ functionResponse?: { response: unknown } }> }> };
  // Gemini CLI sends other requests between the turns (routing, next speaker): the one that answers the call.
  const responses = api.requests.flatMap((request) => (request.body as Body).contents?.at(-1)?.parts.flatMap((part) => part.functionResponse ?? []) ?? []);
  expect(responses.length).toBeGreaterThan(0);
  return { output: responses[0]!.response, patchbayHome: join(box.root, "patchbay-home") };
}

describe.skipIf(missing !== undefined)("the model reads the text patchbay wrote for it", () => {
  test("codex exec", async () => expectTheText((await viaCodex({ file_path: "README.md" })).output));
  test("claude -p", async () => expectTheText((await viaClaude({ file_path: "README.md" })).output));
  test("gemini -p", async () => expectTheText((await viaGemini({ file_path: "README.md" })).output));
});

/** What models send for "lines 1 to 2": a number as its text, and the unused cap as null. */
const AS_MODELS_SEND = { file_path: "README.md", start_line: "1", end_line: 2, max_bytes: null };

/** patchbay's audit log of a session, empty when it wrote none. */
function auditOf(patchbayHome: string): string {
  const file = join(patchbayHome, "logs", "audit.log");
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

describe.skipIf(missing !== undefined)("arguments in the shapes models send them are answered through each CLI", () => {
  test("codex exec", async () => {
    const called = await viaCodex(AS_MODELS_SEND);
    expectTheText(called.output);
    // patchbay's audit log has the call (where the gemini case below finds none).
    expect(auditOf(called.patchbayHome)).toContain('"tool":"codex_read_file"');
  });

  test("claude -p", async () => expectTheText((await viaClaude(AS_MODELS_SEND)).output));

  test("gemini -p checks them against the schema itself: its model reads Gemini's refusal, and patchbay gets no call", async () => {
    const called = await viaGemini(AS_MODELS_SEND);
    expect(stringsIn(called.output)).toMatch(/params\/(start_line|max_bytes) must be integer/);
    expect(auditOf(called.patchbayHome)).not.toContain("codex_read_file");
  });
});
