import { join } from "node:path";
import process from "node:process";
import { codexStreamParser } from "./codex.ts";
import { defineAgent } from "./define.ts";
import type { AgentTurn } from "./types.ts";

/**
 * A deterministic built-in agent for demos and tests that needs no agent CLI. It runs a small
 * script (written into the scratch dir) with the runtime patchbay itself runs on, and prints
 * codex-shaped JSONL, parsed by the codex parser:
 * - from source under Bun or Node: `<execPath> mock-agent.mjs`;
 * - from the compiled binary: the same, with `BUN_BE_BUN=1`, which makes a Bun-compiled
 *   executable behave as the `bun` CLI (the variable means nothing to plain bun or node);
 * - under Deno: `deno run -A --no-config --no-lock mock-agent.mjs`.
 *
 * The prompt (stdin) may hold one fenced ```json block of instructions:
 * `{"write": {"path": "a.txt", "content": "x"} | [...], "message": "done", "fail": "reason",
 *   "sleep_ms": 100, "session": "s1"}`. Writes stay inside cwd, follow no symlink, never go into
 * .git, and are refused when the turn is read_only (reported as a non-fatal error, as codex's
 * sandbox would). A plain prompt writes nothing and answers "mock: <first line>".
 * docs/mock-agent.md is the user's description of this.
 */
export const mock = defineAgent({
  name: "mock",
  defaultCommand: process.execPath,
  install: "nothing to install: mock runs on the runtime patchbay runs on",
  pipelineProvider: "mock",
  models: ["mock"],
  capabilities: { resume: true, readOnlySandbox: true, outputSchema: true, chooseSessionId: true },
  // It calls no model: the base list is all it needs.
  env: { pass: [] },
  command(turn, executable) {
    const script = join(turn.scratchDir, "mock-agent.mjs");
    const settings = JSON.stringify({ cwd: turn.cwd, access: turn.access, session: turn.resumeSessionId ?? turn.newSessionId ?? "" });
    const isDeno = "Deno" in globalThis;
    const env: Record<string, string> = isDeno ? {} : { BUN_BE_BUN: "1" };
    const args = isDeno ? ["run", "-A", "--no-config", "--no-lock", script, settings] : [script, settings];
    return { command: executable, args, env, stdin: turn.prompt, files: [{ path: script, content: MOCK_SCRIPT }] };
  },
  // Mock usage is per turn, even on resume.
  parser: (turn: AgentTurn) => codexStreamParser(turn, { name: "mock", cumulativeOnResume: false }),
});

/** Plain JS that runs unchanged on Node, Bun and Deno. */
const MOCK_SCRIPT =
  String.raw`import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join, relative, resolve, isAbsolute, sep } from "node:path";
import process from "node:process";

const settings = JSON.parse(process.argv[process.argv.length - 1]);
let prompt = "";
for await (const chunk of process.stdin) prompt += chunk;
const print = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const fence = /` +
  "```json\\s*\\n([\\s\\S]*?)```" +
  String.raw`/.exec(prompt);
let plan = {};
if (fence) {
  try { plan = JSON.parse(fence[1]); } catch (error) { plan = { fail: "mock: the json block is not valid JSON: " + error.message }; }
}
const firstLine = prompt.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";

print({ type: "thread.started", thread_id: plan.session ?? (settings.session || "mock-session") });
print({ type: "turn.started" });
let item = 0;
const writes = plan.write === undefined ? [] : Array.isArray(plan.write) ? plan.write : [plan.write];
// Why a write is refused, or "" when it may go ahead. The mock writes what its prompt says, word for
// word, so it follows no link (one could lead out of cwd) and never writes in .git (git's config and
// hooks there run programs), folders made one at a time so each is checked.
function refusal(path) {
  if (settings.access !== "write") return "the turn is read-only";
  const target = resolve(settings.cwd, path);
  const inside = relative(settings.cwd, target);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) return "the path is outside cwd";
  const parts = inside.split(sep);
  if (parts.some((part) => part.toLowerCase() === ".git")) return "it is inside .git";
  let at = settings.cwd;
  for (const [index, part] of parts.entries()) {
    at = join(at, part);
    let info;
    try { info = lstatSync(at); } catch { info = undefined; }
    const last = index === parts.length - 1;
    if (info?.isSymbolicLink()) return at === target ? "it is a symlink" : "a symlink is on its way";
    if (!info && !last) mkdirSync(at);
    else if (info && !last && !info.isDirectory()) return "a file is on its way";
    else if (info && last && !info.isFile()) return "it is not a regular file";
  }
  return "";
}
for (const write of writes) {
  const why = refusal(String(write.path));
  if (why) {
    print({ type: "item.completed", item: { id: "item_" + item++, type: "error", message: "mock: refused to write " + write.path + ": " + why } });
    continue;
  }
  const target = resolve(settings.cwd, String(write.path));
  const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0), 0o644);
  try { writeSync(fd, String(write.content ?? "")); } finally { closeSync(fd); }
  print({ type: "item.completed", item: { id: "item_" + item++, type: "file_change", changes: [{ path: target, kind: "add" }], status: "completed" } });
}
if (plan.sleep_ms) await new Promise((done) => setTimeout(done, Number(plan.sleep_ms)));
if (plan.fail) {
  print({ type: "turn.failed", error: { message: String(plan.fail) } });
  process.exit(1);
}
const message = plan.message === undefined ? (fence ? "mock: done" : "mock: " + firstLine) : typeof plan.message === "string" ? plan.message : JSON.stringify(plan.message);
print({ type: "item.completed", item: { id: "item_" + item++, type: "agent_message", text: message } });
print({ type: "turn.completed", usage: { input_tokens: Math.ceil(prompt.length / 4), cached_input_tokens: 0, output_tokens: Math.ceil(message.length / 4), reasoning_output_tokens: 0 } });
`;
