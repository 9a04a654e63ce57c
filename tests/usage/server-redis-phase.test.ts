/**
 * A custom-provider phase on a server whose state is in Redis runs without a job record, and its
 * turn is accounted in the server's own store: one entry in the Redis ledger, and no Redis
 * connection opened for it (before, each ledger call opened and closed one of its own).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mockToml, pipelineRepo, trustIn } from "../pipeline/helpers.ts";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer, tempDir } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { redisEntries } from "./support.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;
const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  await redis?.stop();
  removeTempDirs();
});

/** Connections Redis accepted since it started (each of our own commands is one). */
async function connectionsReceived(): Promise<number> {
  const stats = await redis!.command("INFO", "stats");
  return Number(/total_connections_received:(\d+)/.exec(stats)?.[1]);
}

async function clientCount(): Promise<number> {
  return (await redis!.command("CLIENT", "LIST")).split("\n").filter(Boolean).length;
}

describe.skipIf(!redis)("a custom-provider phase on a Redis server", () => {
  test("is recorded once in the server's store, through the connections the server already holds", async () => {
    await redis!.command("FLUSHALL");
    const home = tempDir("pb-usage-server-redis-");
    // A soft budget makes the turn read the ledger before it starts, as well as write its entry.
    writeFileSync(join(home, "config.toml"), `[state]\ndriver = "redis"\nredis_url = "${redis!.url}"\n[budgets.soft]\ndaily_tokens = 1000000\n`);
    const planner = join(tempDir("pb-planner-"), "planner.mjs");
    writeFileSync(planner, 'console.log("# Plan\\n\\nChange nothing.");\n');
    const provider = `[providers.planner]\nroles = ["plan"]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(planner)}]\n`;
    const repo = pipelineRepo(mockToml(provider).replace('[phases.plan]\nprovider = "mock"', '[phases.plan]\nprovider = "planner"'));
    await trustIn(home, repo);
    const server = await startTestServer({ home });
    servers.push(server);

    const clients = await clientCount();
    const before = await connectionsReceived();
    const run = runPatchbay(["plan", "--task", "change nothing", "--repo", repo, "--json"], { home, timeoutMs: 60_000 });
    let ended = false;
    void run.finally(() => (ended = true));
    const counts: number[] = [];
    while (!ended) counts.push(await clientCount());
    const planned = await run;
    expect(planned.code, planned.stderr).toBe(0);
    const runId = (JSON.parse(planned.stdout) as { run_id: string }).run_id;
    // Our own INFO and CLIENT LIST commands were the only new connections.
    expect((await connectionsReceived()) - before).toBe(counts.length + 1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(clients);

    const entries = (await redisEntries(home, redis!.url)).filter((entry) => entry.run === runId);
    expect(entries).toEqual([expect.objectContaining({ agent: "planner", phase: "plan", repo, reported: false, cache_write_tokens: 0 })]);
    expect(entries[0]!.id).toStartWith("turn_");
  });
});
