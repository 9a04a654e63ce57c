/**
 * The ledger's storage: append-only day files (fs) that a crash cannot make lie, and per-day
 * sorted sets (Redis) that two servers share.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRecordStore } from "../../src/state/index.ts";
import { fsLedger, ledgerDir, rollUp, type UsageEntry, usageLedger } from "../../src/usage/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;

afterAll(async () => {
  await redis?.stop();
  removeTempDirs();
});

function entry(id: string, at: string, tokens: { input: number; output: number }, extra: Partial<UsageEntry> = {}): UsageEntry {
  return {
    id,
    at,
    agent: "codex",
    input_tokens: tokens.input,
    cached_input_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: tokens.output,
    reasoning_tokens: 0,
    cost_source: "none",
    duration_ms: 10,
    repo: "/src/app",
    reported: true,
    ...extra,
  };
}

describe("the fs ledger", () => {
  test("appends one line per entry to the file of the day it ended, and reads them back by day", async () => {
    const home = tempDir();
    const ledger = fsLedger(ledgerDir(home));
    await ledger.record(entry("job_a", "2026-12-01T23:59:59.000Z", { input: 10, output: 1 }));
    await ledger.record(entry("job_b", "2026-12-02T00:00:01.000Z", { input: 20, output: 2 }));
    await ledger.record(entry("job_c", "2026-12-02T10:00:00.000Z", { input: 30, output: 3 }));
    expect(readFileSync(join(ledgerDir(home), "2026-12-02.jsonl"), "utf8").split("\n")).toHaveLength(3);
    expect((await ledger.entries()).map((e) => e.id)).toEqual(["job_a", "job_b", "job_c"]);
    expect((await ledger.entries("2026-12-02")).map((e) => e.id)).toEqual(["job_b", "job_c"]);
  });

  test("a line cut short by a crash is no entry and does not swallow the next one", async () => {
    const home = tempDir();
    const ledger = fsLedger(ledgerDir(home));
    const fresh = () => fsLedger(ledgerDir(home));
    await ledger.record(entry("job_a", "2026-12-02T01:00:00.000Z", { input: 10, output: 1 }));
    const file = join(ledgerDir(home), "2026-12-02.jsonl");
    expect(rollUp(await ledger.rows()).total).toMatchObject({ turns: 1, tokens: 11 });
    // A writer killed in the middle of its line leaves no newline: the half line is not an entry.
    const half = JSON.stringify(entry("job_torn", "2026-12-02T02:00:00.000Z", { input: 99, output: 9 })).slice(0, 40);
    appendFileSync(file, half);
    expect((await fresh().entries()).map((e) => e.id)).toEqual(["job_a"]);
    expect(rollUp(await ledger.rows()).total).toMatchObject({ turns: 1, tokens: 11 });
    expect(rollUp(await fresh().rows()).total).toMatchObject({ turns: 1, tokens: 11 });
    // The next entry starts on a line of its own, so the torn tail does not swallow it.
    await ledger.record(entry("job_c", "2026-12-02T03:00:00.000Z", { input: 30, output: 3 }));
    expect((await fresh().entries()).map((e) => e.id)).toEqual(["job_a", "job_c"]);
    expect(rollUp(await ledger.rows()).total).toMatchObject({ turns: 2, tokens: 44 });
    expect(rollUp(await fresh().rows()).total).toMatchObject({ turns: 2, tokens: 44 });
  });

  test("the summed rows beside a day are a cache: damaged or removed, they are rebuilt from the day file", async () => {
    const home = tempDir();
    const ledger = fsLedger(ledgerDir(home));
    await ledger.record(entry("job_a", "2026-12-02T01:00:00.000Z", { input: 10, output: 1 }, { worker: "w1", cost_usd: 0.25, cost_source: "config" }));
    await ledger.record(entry("job_b", "2026-12-02T02:00:00.000Z", { input: 20, output: 2 }, { worker: "w2" }));
    const expected = rollUp(await ledger.rows(), {}, "worker");
    expect(expected.groups?.map((group) => [group.key, group.turns, group.tokens, group.cost_usd, group.unpriced_turns])).toEqual([
      ["w1", 1, 11, 0.25, 0],
      ["w2", 1, 22, 0, 1],
    ]);
    const rows = join(ledgerDir(home), "2026-12-02.rows.json");
    writeFileSync(rows, "{ not json");
    expect(rollUp(await fsLedger(ledgerDir(home)).rows(), {}, "worker")).toEqual(expected);
    rmSync(rows);
    expect(rollUp(await fsLedger(ledgerDir(home)).rows(), {}, "worker")).toEqual(expected);
  });
});

describe.skipIf(!redis)("the Redis ledger", () => {
  test("two servers on one Redis see each other's entries", async () => {
    await redis!.command("FLUSHALL");
    const options = { driver: "redis" as const, redisUrl: redis!.url };
    const storeA = await createRecordStore({ home: tempDir(), ...options });
    const storeB = await createRecordStore({ home: tempDir(), ...options });
    try {
      const a = usageLedger("/unused", storeA);
      const b = usageLedger("/unused", storeB);
      await a.record(entry("job_a", "2026-12-01T10:00:00.000Z", { input: 10, output: 1 }));
      await b.record(entry("job_b", "2026-12-02T10:00:00.000Z", { input: 20, output: 2 }));
      expect((await a.entries()).map((e) => e.id)).toEqual(["job_a", "job_b"]);
      expect((await b.entries("2026-12-02")).map((e) => e.id)).toEqual(["job_b"]);
      expect(rollUp(await a.rows()).total).toMatchObject({ turns: 2, tokens: 33 });
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });
});
