/**
 * With `state.driver = "redis"`, the phases the CLI runs itself (`patchbay run --standalone`, no
 * server) are accounted in the Redis ledger like every other turn: one entry per agent phase,
 * the run report's cost from it, and no fs day files. Before, such turns went unrecorded.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ledgerDir } from "../../src/usage/index.ts";
import { mockToml, pipelineRepo, trustIn } from "../pipeline/helpers.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { redisEntries } from "./support.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;
afterAll(async () => {
  await redis?.stop();
  removeTempDirs();
});

describe.skipIf(!redis)("the CLI's own phases with Redis state", () => {
  test("patchbay run --standalone records each agent phase in the Redis ledger and reports the run's cost from it", async () => {
    await redis!.command("FLUSHALL");
    const home = tempDir("pb-usage-cli-redis-");
    writeFileSync(join(home, "config.toml"), `[state]\ndriver = "redis"\nredis_url = "${redis!.url}"\n`);
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    await trustIn(home, repo);

    const run = await runPatchbay(["run", "--task", "count the cost", "--auto-approve", "--mock", "--standalone", "--json"], {
      home,
      cwd: repo,
      timeoutMs: 120_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { outcome: string; run_id: string; usage?: { turns: number; tokens: number } };
    expect(summary.outcome).toBe("applied");

    const entries = (await redisEntries(home, redis!.url)).filter((entry) => entry.run === summary.run_id);
    expect(entries.map((entry) => entry.phase).sort()).toEqual(["plan", "review", "write"]);
    expect(entries.every((entry) => entry.agent === "mock" && entry.repo === repo && entry.reported && entry.id.startsWith("turn_"))).toBe(true);
    const tokens = entries.reduce((sum, entry) => sum + entry.input_tokens + entry.output_tokens, 0);
    expect(tokens).toBeGreaterThan(0);
    expect(summary.usage).toMatchObject({ turns: 3, tokens });
    // Nothing went to the fs ledger of the home.
    expect(existsSync(ledgerDir(home))).toBe(false);

    const report = await runPatchbay(["usage", "--run", summary.run_id, "--json"], { home });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).total).toMatchObject({ turns: 3, tokens });
  });
});
