/**
 * Prompt-cache writes in the usage ledger, with the REAL pinned claude against the fake Messages
 * API returning known cache_creation numbers (through the compiled binary and a real MCP client):
 * the entry holds exactly those numbers, counted in its input tokens; `patchbay usage --json`
 * sums them; mid-turn, before Claude Code prices the turn, the shipped table prices them at
 * Anthropic's multiples of the input price (5-minute writes 1.25×, 1-hour writes 2×), so a USD or
 * token budget sees them.
 */
import { describe, expect, test } from "bun:test";
import * as anthropicApi from "../support/fake-apis/anthropic-messages.ts";
import { keepForFile } from "../support/fake-apis/agent-env.ts";
import { processGone } from "../jobs/support.ts";
import { agentTurnsUnavailable, claudeReadTurn, usageJson } from "./agent-turns.ts";
import { ledgerEntries } from "./support.ts";
import { runPatchbay } from "../support/patchbay.ts";

const skip = agentTurnsUnavailable();
if (skip) console.warn(`\n[usage/claude-cache-writes] ${skip}\n`);
const keep = keepForFile();

/** The first model call: 400 fresh input tokens, 2,000 written to the cache (1,500 for 5 minutes, 500 for an hour), 70 out. */
const WRITING_CALL: anthropicApi.MessagesUsage = {
  input_tokens: 400,
  output_tokens: 70,
  cache_creation_input_tokens: 2000,
  cache_creation: { ephemeral_5m_input_tokens: 1500, ephemeral_1h_input_tokens: 500 },
};

describe.skipIf(skip !== undefined)("claude's prompt-cache writes in the ledger", () => {
  test("a finished turn's entry holds its cache reads and writes exactly, and patchbay usage adds them up", async () => {
    // The second call reads the 2,000 back and writes 300 more, without the per-TTL split.
    const answer = anthropicApi.turn([{ type: "text", text: "It says line one." }], {
      usage: { input_tokens: 500, output_tokens: 30, cache_read_input_tokens: 2000, cache_creation_input_tokens: 300 },
    });
    const { home, view } = await claudeReadTurn(keep, answer, { firstUsage: WRITING_CALL, model: "claude-sonnet-4-5" });
    expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
    // The job's own result (codex_get_result) reports the same turn, cache writes included.
    expect((view.result as { usage?: Record<string, number> } | undefined)?.usage).toMatchObject({
      cachedInputTokens: 2000,
      cacheWriteTokens: 2300,
      cacheWrite1hTokens: 500,
    });
    // 900 fresh + 2,000 read + 2,300 written. Claude Code prices them as the table does:
    // 900 × 3 + 2,000 × 0.3 + 1,800 × 3.75 + 500 × 6 + 100 × 15 = 14,550 / 1e6 = $0.01455.
    expect(ledgerEntries(home)).toEqual([
      expect.objectContaining({
        id: view.job_id,
        agent: "claude",
        input_tokens: 5200,
        cached_input_tokens: 2000,
        cache_write_tokens: 2300,
        output_tokens: 100,
        cost_usd: 0.01455,
        cost_source: "agent",
        reported: true,
      }),
    ]);
    const report = await usageJson(home, "--by", "job");
    expect(report.total).toMatchObject({
      turns: 1,
      input_tokens: 5200,
      cached_input_tokens: 2000,
      cache_write_tokens: 2300,
      output_tokens: 100,
      tokens: 5300,
      cost_usd: 0.01455,
    });
    expect(report.groups).toEqual([{ key: view.job_id, ...report.total }]);
    const text = await runPatchbay(["usage"], { home });
    expect(text.stdout).toContain("total: 5,300 tokens in 1 turn (2,300 written to the prompt cache), $0.0146");
  });

  test("mid-turn, the cache writes are priced from the table by TTL: a USD budget they cross stops the turn", async () => {
    // claude-sonnet-4-5, $3 in, $15 out: 400 × 3 + 1,500 × 3.75 + 500 × 6 + 70 × 15 = 10,875 / 1e6 = $0.010875,
    // past $0.005 (without the writes, $0.00225 would not be).
    const { home, view } = await claudeReadTurn(keep, anthropicApi.hang(), {
      firstUsage: WRITING_CALL,
      model: "claude-sonnet-4-5",
      config: ["[budgets.hard]", "daily_usd = 0.005"],
    });
    expect(view.state, JSON.stringify(view.result)).toBe("cancelled");
    expect(view.result?.error_code).toBe("budget_exceeded");
    expect(processGone(view.pid)).toBe(true);
    expect(ledgerEntries(home)).toEqual([
      expect.objectContaining({
        input_tokens: 2400,
        cached_input_tokens: 0,
        cache_write_tokens: 2000,
        output_tokens: 70,
        cost_usd: 0.010875,
        cost_source: "price_table",
        stopped_by_budget: "budgets.hard.daily_usd",
      }),
    ]);
    expect((await usageJson(home)).total).toMatchObject({ turns: 1, cache_write_tokens: 2000, tokens: 2470, cost_usd: 0.010875 });
  });

  test("a token budget counts the cache writes: 2,470 tokens go past 2,000 at the first call", async () => {
    const { home, view } = await claudeReadTurn(keep, anthropicApi.hang(), { firstUsage: WRITING_CALL, config: ["[budgets.hard]", "daily_tokens = 2000"] });
    expect(view.state, JSON.stringify(view.result)).toBe("cancelled");
    expect(view.result?.error_code).toBe("budget_exceeded");
    expect(processGone(view.pid)).toBe(true);
    expect(ledgerEntries(home)).toEqual([
      expect.objectContaining({ input_tokens: 2400, cache_write_tokens: 2000, output_tokens: 70, stopped_by_budget: "budgets.hard.daily_tokens" }),
    ]);
  });
});
