/**
 * With `state.driver = "redis"`, the phases the CLI runs itself (`patchbay run --standalone`, no
 * server) are accounted in the Redis ledger like every other turn: one entry per agent phase,
 * the run report's cost from it, and no fs day files. Before, such turns went unrecorded.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { homeLedger, ledgerDir } from "../../src/usage/index.ts";
import { mockToml, pipelineRepo, trustIn } from "../pipeline/helpers.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { until } from "../support/until.ts";
import { redisEntries } from "./support.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;
afterAll(async () => {
  await redis?.stop();
  removeTempDirs();
});

/** Connections Redis accepted so far; the INFO asking for it comes over one of its own. */
async function connectionsReceived(): Promise<number> {
  return Number(/total_connections_received:(\d+)/.exec(await redis!.command("INFO", "stats"))?.[1]);
}

describe.skipIf(!redis)("the CLI's own phases with Redis state", () => {
  test("patchbay run --standalone records each agent phase in the Redis ledger and reports the run's cost from it", async () => {
    await redis!.command("FLUSHALL");
    const home = tempDir("pb-usage-cli-redis-");
    writeFileSync(join(home, "config.toml"), `[state]\ndriver = "redis"\nredis_url = "${redis!.url}"\n`);
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    await trustIn(home, repo);

    const connectionsBefore = await connectionsReceived();
    const run = await runPatchbay(["run", "--task", "count the cost", "--auto-approve", "--mock", "--standalone", "--json"], {
      home,
      cwd: repo,
      timeoutMs: 120_000,
    });
    expect(run.code, run.stderr).toBe(0);
    // One connection for the whole run: its three phases' entries and the run's cost share it.
    expect((await connectionsReceived()) - connectionsBefore - 1).toBe(1);
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

    const beforeReport = await connectionsReceived();
    const report = await runPatchbay(["usage", "--run", summary.run_id, "--json"], { home });
    expect(report.code, report.stderr).toBe(0);
    expect((await connectionsReceived()) - beforeReport - 1).toBe(1);
    expect(JSON.parse(report.stdout).total).toMatchObject({ turns: 3, tokens });
  });

  test("a home ledger on Redis makes its calls over one connection and holds none once closed", async () => {
    const home = tempDir("pb-usage-home-ledger-");
    writeFileSync(join(home, "config.toml"), `[state]\ndriver = "redis"\nredis_url = "${redis!.url}"\n`);
    const ledger = homeLedger(home, await loadConfig({ home }));
    // CLIENT LIST counts the connection asking too.
    const clients = async () => (await redis!.command("CLIENT", "LIST")).trim().split("\n").length;
    const idle = await clients();
    const before = await connectionsReceived();
    for (let i = 0; i < 5; i++) await ledger.rows();
    await ledger.entries();
    expect((await connectionsReceived()) - before - 1).toBe(1);
    expect(await clients()).toBe(idle + 1);
    await ledger.close();
    await until(clients, "the ledger's connection to close", { accept: (open) => open === idle, timeoutMs: 10_000 });
  });
});
