/**
 * Reading the ledger: `patchbay usage` through the binary (filters, groups, text and JSON, bad
 * flags as usage errors that name the flag) and codex_usage, which counts only the turns in the
 * asking session's repositories.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { USAGE_TOOLS } from "../../src/usage/tools/index.ts";
import { dayOf, fsLedger, ledgerDir, type UsageEntry, usageLedger } from "../../src/usage/index.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { harnessSet } from "../support/tools.ts";

const harnesses = harnessSet(USAGE_TOOLS);
const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;
const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  await harnesses.closeAll();
  await redis?.stop();
  removeTempDirs();
});

const today = dayOf(Date.now());
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

function entry(id: string, at: string, fields: Partial<UsageEntry> & { repo: string }): UsageEntry {
  return {
    id,
    job: id,
    at,
    agent: "codex",
    input_tokens: 100,
    cached_input_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 10,
    reasoning_tokens: 0,
    cost_source: "none",
    duration_ms: 5,
    reported: true,
    ...fields,
  };
}

/** Three turns: two today in repo A (one priced, by worker w1), one ten days ago in repo B. */
function turns(repoA: string, repoB: string): UsageEntry[] {
  return [
    entry("job_1", daysAgo(0), { repo: repoA, model: "gpt-5", worker: "w1", cost_usd: 0.5, cost_source: "price_table" }),
    entry("job_2", daysAgo(0), {
      repo: repoA,
      agent: "claude",
      model: "claude-sonnet-4-5",
      input_tokens: 200,
      output_tokens: 20,
      cost_usd: 0.25,
      cost_source: "agent",
    }),
    entry("job_3", daysAgo(10), { repo: repoB, run: "run_x", phase: "write" }),
  ];
}

test("patchbay usage: totals, --since, --repo, --worker, --run, --by, text and JSON; bad flags exit 2 naming the flag", async () => {
  const home = tempDir("pb-usage-cli-");
  const repoA = realpathSync(tempDir("pb-usage-a-"));
  const repoB = realpathSync(tempDir("pb-usage-b-"));
  const ledger = fsLedger(ledgerDir(home));
  for (const turn of turns(repoA, repoB)) await ledger.record(turn);
  const json = async (...args: string[]) => {
    const run = await runPatchbay(["usage", "--json", ...args], { home });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  };
  expect((await json()).total).toEqual({
    turns: 3,
    input_tokens: 400,
    cached_input_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 40,
    reasoning_tokens: 0,
    tokens: 440,
    cost_usd: 0.75,
    unpriced_turns: 1,
  });
  expect((await json("--since", "7d")).total).toMatchObject({ turns: 2, tokens: 330, cost_usd: 0.75, unpriced_turns: 0 });
  expect((await json("--since", today, "--by", "agent")).groups.map((g: { key: string; tokens: number }) => [g.key, g.tokens])).toEqual([
    ["claude", 220],
    ["codex", 110],
  ]);
  expect((await json("--repo", repoB)).total).toMatchObject({ turns: 1, tokens: 110, unpriced_turns: 1 });
  expect((await json("--worker", "w1")).total).toMatchObject({ turns: 1, cost_usd: 0.5 });
  expect((await json("--run", "run_x", "--by", "day")).groups).toEqual([expect.objectContaining({ key: dayOf(daysAgo(10)), turns: 1 })]);
  expect((await json("--job", "job_2")).total).toMatchObject({ turns: 1, tokens: 220 });
  expect((await json("--by", "model")).groups.map((g: { key: string }) => g.key)).toEqual(["(default model)", "claude-sonnet-4-5", "gpt-5"]);

  const text = await runPatchbay(["usage", "--by", "repo"], { home });
  expect(text.stdout).toBe(
    `total: 440 tokens in 3 turns, $0.7500 (1 turn with no known price not in it)\nrepo ${repoA}: 330 tokens in 2 turns, $0.7500\nrepo ${repoB}: 110 tokens in 1 turn, no known price\n`,
  );
  const none = await runPatchbay(["usage", "--worker", "nobody"], { home });
  expect(none.stdout).toBe("No agent turns recorded for these filters.\n");

  const badBy = await runPatchbay(["usage", "--by", "colour"], { home });
  expect(badBy.code).toBe(2);
  expect(badBy.stderr).toContain("--by");
  const badSince = await runPatchbay(["usage", "--since", "last week"], { home });
  expect(badSince.code).toBe(2);
  expect(badSince.stderr).toContain("--since");
});

test("codex_usage counts only the turns in the session's repositories", async () => {
  const repoA = realpathSync(tempDir("pb-usage-a-"));
  const repoB = realpathSync(tempDir("pb-usage-b-"));
  const harness = await harnesses.open(repoA);
  const ledger = usageLedger(harness.host.home, harness.host.store);
  for (const turn of turns(repoA, repoB)) await ledger.record(turn);
  const report = await harness.ok<{ total: { turns: number; tokens: number; cost_usd: number }; groups: Array<{ key: string }> }>("codex_usage", {
    by: "repo",
  });
  expect(report.total).toMatchObject({ turns: 2, tokens: 330, cost_usd: 0.75 });
  expect(report.groups.map((group) => group.key)).toEqual([repoA]);
  expect((await harness.ok<{ total: { turns: number } }>("codex_usage", { worker: "w1", since: "7d" })).total.turns).toBe(1);
  expect(await harness.errorCode("codex_usage", { repo_path: repoB })).toBe("path_outside_roots");

  // The ledger holds real paths: a session whose root is a symlink to repoA counts repoA's turns, and only those.
  const link = join(tempDir("pb-usage-link-"), "repo");
  symlinkSync(repoA, link);
  const linked = await harnesses.open(link);
  const linkedLedger = usageLedger(linked.host.home, linked.host.store);
  for (const turn of turns(repoA, repoB)) await linkedLedger.record(turn);
  const through = await linked.ok<{ total: { turns: number }; groups: Array<{ key: string }> }>("codex_usage", { by: "repo" });
  expect(through.total.turns).toBe(2);
  expect(through.groups.map((group) => group.key)).toEqual([repoA]);
});

describe.skipIf(!redis)("with state in Redis", () => {
  test("a job's turn is recorded in Redis, and patchbay usage reads it there", async () => {
    await redis!.command("FLUSHALL");
    const home = tempDir("pb-usage-redis-");
    homes.push(home);
    writeFileSync(join(home, "config.toml"), `[state]\ndriver = "redis"\nredis_url = "${redis!.url}"\n`);
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const run = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "Say a few words", "--json"], { home, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as { job_id: string; state: string };
    expect(job.state).toBe("succeeded");
    expect(existsSync(join(home, "state", "usage"))).toBe(false);
    const usage = await runPatchbay(["usage", "--json", "--by", "job"], { home });
    expect(usage.code, usage.stderr).toBe(0);
    const report = JSON.parse(usage.stdout) as { total: { turns: number; tokens: number }; groups: Array<{ key: string; turns: number }> };
    expect(report.total.turns).toBe(1);
    expect(report.total.tokens).toBeGreaterThan(0);
    expect(report.groups).toEqual([expect.objectContaining({ key: job.job_id, turns: 1 })]);
  });
});

test("entries and summed rows written before cache writes were recorded read as none; a new entry's writes add up with them", async () => {
  const home = tempDir("pb-usage-old-");
  const dir = ledgerDir(home);
  mkdirSync(dir, { recursive: true });
  // A line and its day's rows as the ledger wrote them before cache_write_tokens existed.
  const { cache_write_tokens: _, ...old } = entry("job_old", daysAgo(0), { repo: "/src/app", agent: "claude", cached_input_tokens: 30 });
  const line = `${JSON.stringify(old)}\n`;
  writeFileSync(join(dir, `${today}.jsonl`), line);
  const totals = { turns: 1, input_tokens: 100, cached_input_tokens: 30, output_tokens: 10, reasoning_tokens: 0, tokens: 110, cost_usd: 0, unpriced_turns: 1 };
  const row = { day: today, agent: "claude", repo: "/src/app", totals };
  writeFileSync(
    join(dir, `${today}.rows.json`),
    JSON.stringify({ bytes: Buffer.byteLength(line), rows: [[JSON.stringify(["claude", "", "/src/app", "", ""]), row]] }),
  );
  await fsLedger(dir).record(entry("job_new", daysAgo(0), { repo: "/src/app", agent: "claude", input_tokens: 500, cache_write_tokens: 400 }));

  const run = await runPatchbay(["usage", "--json", "--by", "job"], { home });
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout);
  expect(report.total).toMatchObject({ turns: 2, input_tokens: 600, cached_input_tokens: 30, cache_write_tokens: 400, tokens: 620 });
  expect(report.groups.map((group: { key: string; cache_write_tokens: number }) => [group.key, group.cache_write_tokens])).toEqual([
    ["job_new", 400],
    ["job_old", 0],
  ]);
  // The summed rows (what every roll-up but one by job reads) agree.
  const summed = await runPatchbay(["usage", "--json"], { home });
  expect(JSON.parse(summed.stdout).total).toEqual(report.total);
});
