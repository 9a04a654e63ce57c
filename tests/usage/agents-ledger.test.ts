/**
 * The usage ledger with the REAL pinned codex, claude and gemini CLIs (tests/agents-cli) against
 * the scripted fake model APIs, through the compiled binary (`patchbay stdio --standalone`) and a
 * real MCP client: each turn's entry holds exactly the usage the fake API reported (a codex resume
 * only its new part), `patchbay usage --json` adds up to the hand-computed totals, and a hard
 * token budget that was reached stops the next turn before the agent CLI starts (the fake API gets
 * no request).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as anthropicApi from "../support/fake-apis/anthropic-messages.ts";
import * as geminiApi from "../support/fake-apis/gemini.ts";
import * as openaiApi from "../support/fake-apis/openai-responses.ts";
import { claudeSandbox, codexSandbox, geminiSandbox, type AgentSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import { processGone } from "../jobs/support.ts";
import {
  agentTurnsUnavailable,
  type ClaudeReadOptions,
  call,
  claudeReadTurn as claudeReadTurnWith,
  expectStoppedAfterFirstCall,
  finished,
  patchbayFor as patchbayWith,
  repo,
  usageJson,
} from "./agent-turns.ts";
import { ledgerEntries } from "./support.ts";

const skip = agentTurnsUnavailable();
if (skip) console.warn(`\n[usage/agents-ledger] ${skip}\n`);
const keep = keepForFile();
const patchbayFor = (box: AgentSandbox, ws: string, extra?: string[]) => patchbayWith(keep, box, ws, extra);
const claudeReadTurn = (next: anthropicApi.MessagesReply, options: ClaudeReadOptions = {}) => claudeReadTurnWith(keep, next, options);

describe.skipIf(skip !== undefined)("the usage ledger with the real agent CLIs", () => {
  test("codex: the first turn's usage exactly, a resume only its new part, priced by [pricing]; patchbay usage adds them up", async () => {
    const api = keep(
      await openaiApi.startOpenAIResponses([
        openaiApi.turn([openaiApi.say("First.")], { input_tokens: 1000, output_tokens: 50, cached_tokens: 200, reasoning_tokens: 10 }),
      ]),
    );
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    // $2 in, $0.5 cached, $8 out per million tokens.
    const { client, home } = await patchbayFor(box, ws, ['[pricing."gpt-5.5"]', "input = 2", "cached_input = 0.5", "output = 8"]);
    const first = await finished(client, await call(client, "codex_plan_job", { spec: "Say something", agent: "codex", model: "gpt-5.5", repo_path: ws }));
    expect(first.state, JSON.stringify(first.result)).toBe("succeeded");

    api.script(openaiApi.turn([openaiApi.say("Second.")], { input_tokens: 300, output_tokens: 20, cached_tokens: 100, reasoning_tokens: 5 }));
    const second = await finished(client, await call(client, "codex_resume", { session_id: first.session_id, spec: "And again", model: "gpt-5.5" }));
    expect(second.state, JSON.stringify(second.result)).toBe("succeeded");

    const entries = ledgerEntries(home);
    expect(entries).toHaveLength(2);
    // (800 × 2 + 200 × 0.5 + 50 × 8) / 1e6 = 0.0021; codex reported 1300/70 after the resume, the entry is the difference.
    expect(entries[0]).toMatchObject({
      id: first.job_id,
      job: first.job_id,
      agent: "codex",
      model: "gpt-5.5",
      repo: ws,
      input_tokens: 1000,
      cached_input_tokens: 200,
      output_tokens: 50,
      reasoning_tokens: 10,
      cost_usd: 0.0021,
      cost_source: "config",
      reported: true,
    });
    // (200 × 2 + 100 × 0.5 + 20 × 8) / 1e6 = 0.00061
    expect(entries[1]).toMatchObject({
      id: second.job_id,
      input_tokens: 300,
      cached_input_tokens: 100,
      output_tokens: 20,
      reasoning_tokens: 5,
      cost_usd: 0.00061,
      cost_source: "config",
    });
    expect(second.result?.cost_usd).toBe(0.00061);

    const report = await usageJson(home, "--by", "model");
    expect(report.total).toEqual({
      turns: 2,
      input_tokens: 1300,
      cached_input_tokens: 300,
      cache_write_tokens: 0,
      output_tokens: 70,
      reasoning_tokens: 15,
      tokens: 1370,
      cost_usd: 0.00271,
      unpriced_turns: 0,
    });
    expect(report.groups).toEqual([{ key: "gpt-5.5", ...report.total }]);
  });

  test("codex: a hard token budget that was reached refuses the next turn; the agent CLI never starts", async () => {
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.turn([openaiApi.say("Done.")], { input_tokens: 400, output_tokens: 100 })]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const { client, home } = await patchbayFor(box, ws, ["[budgets.hard]", "repo_daily_tokens = 500"]);
    const first = await finished(client, await call(client, "codex_plan_job", { spec: "Use the budget", agent: "codex", repo_path: ws }));
    expect(first.state, JSON.stringify(first.result)).toBe("succeeded");
    const requests = api.requests.length;
    expect(requests).toBeGreaterThan(0);

    api.script(openaiApi.say("Should never be asked."));
    const refused = await client.callTool("codex_plan_job", { spec: "One more", agent: "codex", repo_path: ws });
    expect(refused.isError).toBe(true);
    expect((refused._meta?.["patchbay/error"] as { code?: string } | undefined)?.code).toBe("budget_exceeded");
    const text = refused.content?.map((part) => part.text).join("\n") ?? "";
    expect(text).toContain("budgets.hard.repo_daily_tokens");
    expect(text).toContain("config.toml");
    // The effect: codex was not started, so the model API saw nothing new and the ledger has one turn.
    expect(api.requests.length).toBe(requests);
    expect(ledgerEntries(home).map((entry) => entry.id)).toEqual([first.job_id]);
    // No model named and none priced: tokens, and no price rather than a guess.
    const [entry] = ledgerEntries(home);
    expect(entry).toMatchObject({ input_tokens: 400, output_tokens: 100, cost_source: "none" });
    expect(entry!.cost_usd).toBeUndefined();
    expect((await usageJson(home)).total.tokens).toBe(500);
  });

  test("claude: the turn's tokens exactly and Claude Code's own cost", async () => {
    const api = keep(
      await anthropicApi.startAnthropicMessages([anthropicApi.turn([{ type: "text", text: "Hello." }], { usage: { input_tokens: 120, output_tokens: 30 } })]),
    );
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = repo();
    const { client, home } = await patchbayFor(box, ws);
    const view = await finished(client, await call(client, "codex_plan_job", { spec: "Say hello", agent: "claude", repo_path: ws }));
    expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
    const entries = ledgerEntries(home);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id: view.job_id,
      agent: "claude",
      input_tokens: 120,
      cached_input_tokens: 0,
      output_tokens: 30,
      cost_source: "agent",
      reported: true,
    });
    expect(entries[0]!.cost_usd).toBeGreaterThan(0);
    expect((await usageJson(home)).total).toMatchObject({ turns: 1, tokens: 150, cost_usd: entries[0]!.cost_usd, unpriced_turns: 0 });
  });

  test("claude: a turn of two model calls is one entry holding the result's totals, not the calls' running usage again", async () => {
    const { api, home, view } = await claudeReadTurn(
      anthropicApi.turn([{ type: "text", text: "It says line one." }], { usage: { input_tokens: 500, output_tokens: 30 } }),
    );
    expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
    expect(api.modelRequests()).toHaveLength(2);
    expect(ledgerEntries(home)).toEqual([expect.objectContaining({ id: view.job_id, input_tokens: 900, output_tokens: 100, reported: true })]);
    expect(ledgerEntries(home)[0]!.stopped_by_budget).toBeUndefined();
    // The job log keeps claude's lines but not its per-token stream events, which would fill its cap.
    const log = readFileSync(join(home, "logs", "jobs", `${view.job_id}.stdout.log`), "utf8");
    expect(log).toContain('"type":"result"');
    expect(log).not.toContain('"type":"stream_event"');
  });

  test("claude: a hard token budget crossed by the turn's first model call stops it there; its answer so far is kept and the ledger holds exactly that call", async () => {
    // The first call (400 in, 70 out) goes past 450 tokens; a second call would never be answered.
    const { home, view } = await claudeReadTurn(anthropicApi.hang(), { config: ["[budgets.hard]", "daily_tokens = 450"] });
    expect(view.result?.final_message).toBe("Reading the notes first.");
    await expectStoppedAfterFirstCall(view, home, "claude");
  });

  test("claude: a hard USD budget stops the turn at the first model call that crosses it, priced from the shipped table by the turn's model", async () => {
    // claude-sonnet-4-5 at $3 in, $15 out: 400 in and 70 out is (1,200 + 1,050) / 1e6 = $0.00225, past $0.002.
    const { home, view } = await claudeReadTurn(anthropicApi.hang(), { config: ["[budgets.hard]", "daily_usd = 0.002"], model: "claude-sonnet-4-5" });
    expect(view.state, JSON.stringify(view.result)).toBe("cancelled");
    expect(view.result?.error_code).toBe("budget_exceeded");
    expect(processGone(view.pid)).toBe(true);
    expect(ledgerEntries(home)).toEqual([
      expect.objectContaining({
        model: "claude-sonnet-4-5",
        input_tokens: 400,
        output_tokens: 70,
        cost_usd: 0.00225,
        cost_source: "price_table",
        stopped_by_budget: "budgets.hard.daily_usd",
      }),
    ]);
  });

  test("gemini: the turn's tokens exactly, priced from the shipped table", async () => {
    const api = keep(await geminiApi.startGemini([geminiApi.turn([{ text: "Hello." }], { prompt: 500, candidates: 40 })]));
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = repo();
    const { client, home } = await patchbayFor(box, ws);
    const view = await finished(client, await call(client, "codex_plan_job", { spec: "Say hello", agent: "gemini", model: "gemini-2.5-flash", repo_path: ws }));
    expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
    const entries = ledgerEntries(home);
    expect(entries).toHaveLength(1);
    // (500 × 0.30 + 40 × 2.50) / 1e6 = 0.00025
    expect(entries[0]).toMatchObject({
      agent: "gemini",
      model: "gemini-2.5-flash",
      input_tokens: 500,
      output_tokens: 40,
      cost_usd: 0.00025,
      cost_source: "price_table",
    });
  });
});
