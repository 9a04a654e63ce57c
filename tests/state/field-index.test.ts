/**
 * The worker index (src/state/field-index.ts): lookups by name, repository and "not stopped"
 * read through it and must return exactly what filtering a full scan returns, after any mix of
 * writes, after a writer killed before any one of its writes, and when the index is missing or damaged.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRecordStore, type RecordStore } from "../../src/state/index.ts";
import { redisServerPath, startRedis, type TestRedis } from "../support/redis.ts";
import { churnStep, lookupsBothWays, seededRandom, type Worker } from "./fixtures/index-ops.ts";
import { removeTempHomes, spawnFixture, tempHome, waitForExit } from "./support.ts";

const redisPath = await redisServerPath();
const redis: TestRedis | undefined = redisPath ? await startRedis(redisPath) : undefined;

afterAll(async () => {
  await redis?.stop();
  await removeTempHomes();
});

interface DriverCase {
  driver: "fs" | "redis";
  open(home: string): Promise<RecordStore>;
  /** The stored index document of workers as text, undefined when there is none. */
  rawIndex(home: string): Promise<string | undefined>;
  setRawIndex(home: string, text: string | undefined): Promise<void>;
  /** What lease expiry does to the locks of a killed Redis writer (nothing to do for fs: a dead holder's lock file is taken over). */
  expireLocks(): Promise<void>;
}

const fsIndexFile = (home: string) => join(home, "state", "record-index", "worker");

const fsCase: DriverCase = {
  driver: "fs",
  open: (home) => createRecordStore({ home }),
  rawIndex: (home) => readFile(fsIndexFile(home), "utf8").catch(() => undefined),
  setRawIndex: async (home, text) => (text === undefined ? rm(fsIndexFile(home), { force: true }) : writeFile(fsIndexFile(home), text)),
  expireLocks: async () => undefined,
};

const redisCase: DriverCase = {
  driver: "redis",
  open: (home) => createRecordStore({ home, driver: "redis", redisUrl: redis!.url }),
  rawIndex: async () => {
    const text = await redis!.command("GET", "patchbay:record-index:worker");
    // The helper answers a missing key's null bulk reply as "-1".
    return text === "-1" ? undefined : text;
  },
  setRawIndex: async (_home, text) =>
    void (await (text === undefined ? redis!.command("DEL", "patchbay:record-index:worker") : redis!.command("SET", "patchbay:record-index:worker", text))),
  expireLocks: async () => {
    await redis!.command("EVAL", "for _, key in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', key) end return 1", "0", "patchbay:lock:*");
  },
};

const cases = redis ? [fsCase, redisCase] : [fsCase];

/** Changes the crashing writer makes; each is one to three writes, every one of them a crash point. */
const CRASH_OPS = 12;

/** The index a full scan implies: field → value → ids, sorted, for comparing with the stored one. */
async function indexFromScan(store: RecordStore): Promise<Record<string, Record<string, string[]>>> {
  const index: Record<string, Record<string, string[]>> = { name: {}, repo: {}, stopped_at: {} };
  for (const { id, data } of await store.list<Worker>("worker")) {
    for (const [field, value] of [
      ["name", data.name],
      ["repo", data.repo],
      ["stopped_at", data.stopped_at ? "set" : ""],
    ] as const)
      (index[field]![value] ??= []).push(id);
  }
  return index;
}

function sortedIndex(text: string | undefined): Record<string, Record<string, string[]>> {
  const index = JSON.parse(text ?? "{}") as Record<string, Record<string, string[]>>;
  for (const field of ["name", "repo", "stopped_at"])
    index[field] = Object.fromEntries(Object.entries(index[field] ?? {}).map(([value, ids]) => [value, [...ids].sort()]));
  return index;
}

describe.each(cases)("the worker index ($driver)", (driver) => {
  beforeEach(async () => {
    if (driver.driver === "redis") await redis!.command("FLUSHALL");
  });

  test("after random creates, renames, moves, stops and removals, every lookup returns what a full scan finds, and the index holds nothing else", async () => {
    const home = await tempHome();
    const store = await driver.open(home);
    const random = seededRandom(16);
    for (let op = 1; op <= 400; op++) {
      await churnStep(store, random);
      if (op % 50 !== 0) continue;
      const { indexed, scanned, foundWithCount, countedWith, scannedWider } = await lookupsBothWays(store);
      expect(indexed).toEqual(scanned);
      expect(foundWithCount).toEqual(scanned);
      // Without a crash the index is exact: no id under a value its record no longer has, so counts are too.
      expect(countedWith).toEqual(scannedWider);
      expect(sortedIndex(await driver.rawIndex(home))).toEqual(await indexFromScan(store));
    }
    await store.close();
  });

  test(
    "a writer SIGKILLed before any one of its record or index writes leaves lookups equal to a full scan; the lookups repair the index, and later writes keep it so",
    async () => {
      const run = (home: string, dieAt: number) =>
        spawnFixture("index-churn.ts", [home, driver.driver, redis?.url ?? "", "5", String(CRASH_OPS), String(dieAt)]);
      const full = run(await tempHome(), 0);
      let output = "";
      full.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      expect((await waitForExit(full)).code).toBe(0);
      const writes = Number(/writes (\d+)/.exec(output)?.[1]);
      expect(writes).toBeGreaterThan(CRASH_OPS);
      for (let dieAt = 1; dieAt <= writes; dieAt++) {
        if (driver.driver === "redis") await redis!.command("FLUSHALL");
        const home = await tempHome();
        expect((await waitForExit(run(home, dieAt))).signal).toBe("SIGKILL");
        await driver.expireLocks();
        const store = await driver.open(home);
        const { indexed, scanned } = await lookupsBothWays(store);
        expect(indexed).toEqual(scanned);
        // The lookups read every id the name index holds and repair what a record contradicts.
        expect(sortedIndex(await driver.rawIndex(home))).toEqual(await indexFromScan(store));
        const random = seededRandom(dieAt);
        for (let op = 0; op < 10; op++) await churnStep(store, random);
        const after = await lookupsBothWays(store);
        expect(after.indexed).toEqual(after.scanned);
        await store.close();
      }
    },
    { timeout: 120_000 },
  );

  test("an index entry written before a crash lost the record write names nobody: the lookup reads the record and leaves it out", async () => {
    const home = await tempHome();
    const store = await driver.open(home);
    await store.put<Worker>("worker", "wrk_a", { id: "wrk_a", name: "alpha", repo: "/r/one", turns: 0 });
    // What a rename to "beta" leaves when the process dies after indexing it, before writing the record.
    const index = JSON.parse((await driver.rawIndex(home))!) as Record<string, Record<string, string[]>>;
    index.name!.beta = ["wrk_a"];
    await driver.setRawIndex(home, JSON.stringify(index));
    expect((await store.find<Worker>("worker", { name: (name) => name === "beta" })).map((record) => record.id)).toEqual([]);
    expect((await store.find<Worker>("worker", { name: (name) => name === "alpha" })).map((record) => record.id)).toEqual(["wrk_a"]);
    await store.close();
  });

  test("a store that read the index finds the workers another store on the same state (another process) adds afterwards", async () => {
    const home = await tempHome();
    const [server, cli] = [await driver.open(home), await driver.open(home)];
    const named = async (name: string) => (await server.find<Worker>("worker", { name: (value) => value === name })).map((record) => record.id);
    await server.put<Worker>("worker", "wrk_a", { id: "wrk_a", name: "alpha", repo: "/r/one", turns: 0 });
    expect(await named("alpha")).toEqual(["wrk_a"]);
    await cli.put<Worker>("worker", "wrk_b", { id: "wrk_b", name: "bravo", repo: "/r/one", turns: 0 });
    expect(await named("bravo")).toEqual(["wrk_b"]);
    // A rename to a name of the same length: the document keeps its size, only its bytes differ.
    await cli.put<Worker>("worker", "wrk_b", { id: "wrk_b", name: "bravi", repo: "/r/one", turns: 0 });
    expect(await named("bravi")).toEqual(["wrk_b"]);
    expect(await named("bravo")).toEqual([]);
    const live = await server.find<Worker>("worker", { stopped_at: (value) => value === "" });
    expect(live.map((record) => record.id)).toEqual(["wrk_a", "wrk_b"]);
    await Promise.all([server.close(), cli.close()]);
  });

  test("an index a reader was handed never changes under it: every write makes a new one, which the next read gets", async () => {
    const home = await tempHome();
    const store = await driver.open(home);
    const random = seededRandom(5);
    for (let op = 0; op < 40; op++) await churnStep(store, random);
    for (let round = 0; round < 20; round++) {
      const held = (await store.index("worker"))!;
      const asHanded = JSON.stringify(held);
      for (let op = 0; op < 5; op++) await churnStep(store, random);
      // Renames, moves, stops and removals: the index changed, the one handed out did not.
      expect(JSON.stringify(held)).toBe(asHanded);
      expect(sortedIndex(JSON.stringify(await store.index("worker")))).toEqual(await indexFromScan(store));
    }
    await store.close();
  });

  test("a missing or damaged index is rebuilt from the records", async () => {
    const home = await tempHome();
    const store = await driver.open(home);
    const random = seededRandom(3);
    for (let op = 0; op < 60; op++) await churnStep(store, random);
    for (const damage of [undefined, "{not json"]) {
      await driver.setRawIndex(home, damage);
      const { indexed, scanned } = await lookupsBothWays(store);
      expect(indexed).toEqual(scanned);
      expect(sortedIndex(await driver.rawIndex(home))).toEqual(await indexFromScan(store));
    }
    await store.close();
  });
});
