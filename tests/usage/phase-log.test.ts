/**
 * The run folder's log of a phase the CLI runs itself (`patchbay plan --standalone`), with the
 * REAL pinned claude against the fake Messages API: it keeps claude's lines and its result, and
 * leaves out the per-token stream events of --include-partial-messages, as the job log does (that
 * log has no size cap; they would grow it by a line every few tokens). Their usage still reaches
 * the ledger.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { openPhaseLog } from "../../src/pipeline/phase-log.ts";
import { claude } from "../../src/agents/index.ts";
import { agentBin, claudeSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import * as anthropicApi from "../support/fake-apis/anthropic-messages.ts";
import { runPatchbay, tempDir } from "../support/patchbay.ts";
import { pipelineRepo, trustIn } from "../pipeline/helpers.ts";
import { agentTurnsUnavailable } from "./agent-turns.ts";
import { ledgerEntries } from "./support.ts";

const skip = agentTurnsUnavailable();
if (skip) console.warn(`\n[usage/phase-log] ${skip}\n`);
const keep = keepForFile();

describe.skipIf(skip !== undefined)("a claude phase's run-folder log", () => {
  test("keeps claude's result line and none of its stream events", async () => {
    const api = keep(await anthropicApi.startAnthropicMessages());
    const box = keep(claudeSandbox(api.baseUrl));
    const toml = `[phases.plan]\nprovider = "claude_cli"\n[commands]\nclaude = ${JSON.stringify(agentBin("claude"))}\n`;
    const repo = pipelineRepo(toml, { "notes.txt": "line one\n" });
    const home = tempDir("pb-usage-phase-log-");
    await trustIn(home, repo);
    const read = anthropicApi.toolUse("Read", { file_path: join(repo, "notes.txt") }, "Reading the notes first.");
    api.script(
      anthropicApi.turn([read], { usage: { input_tokens: 400, output_tokens: 70 } }),
      anthropicApi.turn([{ type: "text", text: "# Plan\n\nKeep notes.txt as it is; it says line one." }], { usage: { input_tokens: 500, output_tokens: 30 } }),
    );

    const planned = await runPatchbay(["plan", "--standalone", "--task", "Plan nothing", "--repo", repo, "--json"], { home, env: box.env, timeoutMs: 60_000 });
    expect(planned.code, planned.stderr).toBe(0);
    const runId = (JSON.parse(planned.stdout) as { run_id: string }).run_id;
    expect(api.modelRequests()).toHaveLength(2);

    const log = readFileSync(join(repo, ".ai", "runs", runId, "logs", "plan.log"), "utf8");
    const lines = log.split("\n").filter(Boolean);
    expect(lines.some((line) => line.includes('"type":"result"') && line.includes('"result":"# Plan'))).toBe(true);
    expect(lines.some((line) => line.startsWith('{"type":"assistant"') && line.includes("Reading the notes first."))).toBe(true);
    expect(log).not.toContain('"type":"stream_event"');
    // The stream events' usage was not lost with them: the phase's entry holds both calls.
    expect(ledgerEntries(home)).toEqual([expect.objectContaining({ run: runId, phase: "plan", agent: "claude", input_tokens: 900, output_tokens: 100 })]);
    expect((await pipeline.status(repo, runId)).state).toBe("planned");
  });
});

test("a stream event split across chunks is still left out; stderr is marked; a secret split across chunks is still redacted", async () => {
  const file = join(tempDir("pb-phase-log-"), "plan.log");
  const log = openPhaseLog(file, (text) => text.replaceAll("sk-secret-1234", "[redacted]"), claude.quietLine);
  const event = `${JSON.stringify({ type: "stream_event", event: { type: "content_block_delta", delta: { text: "Hel" } } })}\n`;
  for (const chunk of ['{"type":"assistant","text":"key sk-sec', 'ret-1234"}\n', event.slice(0, 10), event.slice(10), '{"type":"result"}'])
    log.write("stdout", chunk);
  log.write("stderr", "warn: slow\nwarn: sl");
  log.write("stderr", "ower\n");
  await log.close();
  expect(readFileSync(file, "utf8")).toBe('{"type":"assistant","text":"key [redacted]"}\n[stderr] warn: slow\n[stderr] warn: slower\n{"type":"result"}\n');
});

test("a stream event longer than the phase log holds is left out whole, however many pieces it came in", async () => {
  const file = join(tempDir("pb-phase-log-"), "plan.log");
  const log = openPhaseLog(file, (text) => text, claude.quietLine);
  const event = `${JSON.stringify({ type: "stream_event", event: { delta: "q".repeat(2_500_000) } })}\n`;
  const output = `{"type":"assistant"}\n${event}{"type":"result"}\n`;
  for (let at = 0; at < output.length; at += 32_000) log.write("stdout", output.slice(at, at + 32_000));
  await log.close();
  expect(readFileSync(file, "utf8")).toBe('{"type":"assistant"}\n{"type":"result"}\n');
});

test("a kept line longer than the phase log holds is cut, redacted whole: no secret in it shows, not even in part, and the next line is whole", async () => {
  const file = join(tempDir("pb-phase-log-"), "plan.log");
  const secret = "sk-secret-1234";
  const log = openPhaseLog(file, (text) => text.replaceAll(secret, "[redacted]"), claude.quietLine);
  // A tool result of 2.5 MB on one line with a secret every 9,973 characters, arriving in pipe-sized pieces that cut some of them.
  const body = Array.from({ length: 250 }, () => `${"x".repeat(9_973 - secret.length)}${secret}`).join("");
  const output = `{"type":"assistant","text":"${body}"}\n{"type":"result","text":"after ${secret}"}\n`;
  for (let at = 0; at < output.length; at += 65_536) log.write("stdout", output.slice(at, at + 65_536));
  await log.close();
  const written = readFileSync(file, "utf8");
  expect(written).not.toContain("sk-sec");
  expect(written.split("\n").slice(-3)).toEqual([
    "[patchbay: a line over 1048576 characters, the rest of it left out]",
    '{"type":"result","text":"after [redacted]"}',
    "",
  ]);
  expect(written.startsWith('{"type":"assistant","text":"xxx')).toBe(true);
  expect(written.length).toBeLessThan(body.length / 2);
});
