import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_SCHEMA_VERSION, createRecordStore, type RecordKind, type RecordStore } from "../../src/state/index.ts";
import { redisServerPath, startRedis, type TestRedis } from "../support/redis.ts";
import { until } from "../support/until.ts";
import { filesUnder, rejection, removeTempHomes, sleep, tempHome } from "./support.ts";

const redisPath = await redisServerPath();
const redis: TestRedis | undefined = redisPath ? await startRedis(redisPath) : undefined;

afterAll(async () => {
  await redis?.stop();
  await removeTempHomes();
});

interface DriverCase {
  driver: "fs" | "redis";
  open(home: string): Promise<RecordStore>;
  /** Replace the stored text of a record key behind the store's back. */
  corrupt(home: string, key: string, text: string): Promise<void>;
}

const fsCase: DriverCase = {
  driver: "fs",
  open: (home) => createRecordStore({ home }),
  corrupt: (home, key, text) => writeFile(join(home, "state", ...key.split(":")), text),
};

const redisCase: DriverCase = {
  driver: "redis",
  open: (home) => createRecordStore({ home, driver: "redis", redisUrl: redis!.url }),
  corrupt: async (_home, key, text) => void (await redis!.command("SET", `patchbay:${key}`, text)),
};

const cases = redis ? [fsCase, redisCase] : [fsCase];

describe.each(cases)("the record store contract ($driver)", (driver) => {
  beforeEach(async () => {
    if (driver.driver === "redis") await redis!.command("FLUSHALL");
  });

  test("put then get returns the same record with schema, kind, id and timestamps", async () => {
    const store = await driver.open(await tempHome());
    const put = await store.put("job", "j1", { state: "queued", attempts: 0 });
    expect(await store.get("job", "j1")).toEqual(put);
    expect(put).toMatchObject({ schema: RECORD_SCHEMA_VERSION, kind: "job", id: "j1", data: { state: "queued", attempts: 0 } });
    expect(await store.get("job", "missing")).toBeUndefined();
    await store.close();
  });

  test("a record of several megabytes comes back whole", async () => {
    const store = await driver.open(await tempHome());
    // Larger than what the fs driver reads on the calling thread (1 MiB), so its other path is taken too.
    const lines = Array.from({ length: 60_000 }, (_, n) => `line ${n} ${"é".repeat(n % 40)}`);
    await store.put("artifact", "big", { lines });
    const read = await store.get<{ lines: string[] }>("artifact", "big");
    expect(read?.data.lines.length).toBe(lines.length);
    expect(read?.data.lines).toEqual(lines);
    await store.close();
  });

  test("overwriting a record keeps createdAt and moves updatedAt", async () => {
    const store = await driver.open(await tempHome());
    const first = await store.put("worker", "w1", { n: 1 });
    // updatedAt has millisecond resolution: write again once the clock shows a later one.
    while (new Date().toISOString() <= first.updatedAt) await sleep(1);
    const second = await store.put("worker", "w1", { n: 2 }, { schema: 2 });
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(await store.get("worker", "w1")).toMatchObject({ schema: 2, createdAt: first.createdAt, data: { n: 2 } });
    await store.close();
  });

  test("list returns the records of one kind sorted by id", async () => {
    const store = await driver.open(await tempHome());
    for (const id of ["b", "a.2", "C", "a"]) await store.put("run", id, { id });
    await store.put("job", "other", {});
    expect((await store.list("run")).map((record) => record.id)).toEqual(["C", "a", "a.2", "b"]);
    expect(await store.list("message")).toEqual([]);
    await store.close();
  });

  test("getMany returns the records of the given ids in order, undefined for missing ones", async () => {
    const store = await driver.open(await tempHome());
    for (const id of ["a", "b"]) await store.put("run", id, { id });
    expect((await store.getMany<{ id: string }>("run", ["b", "missing", "a"])).map((record) => record?.data.id)).toEqual(["b", undefined, "a"]);
    expect(await store.getMany("run", [])).toEqual([]);
    expect(Boolean(store.indexes) && Boolean(store.counter)).toBe(driver.driver === "redis");
    await store.close();
  });

  test("remove deletes a record and reports whether it existed", async () => {
    const store = await driver.open(await tempHome());
    await store.put("token", "t1", { scope: "read" });
    expect(await store.remove("token", "t1")).toBe(true);
    expect(await store.get("token", "t1")).toBeUndefined();
    expect(await store.remove("token", "t1")).toBe(false);
    expect(await store.list("token")).toEqual([]);
    await store.close();
  });

  test("strings that look like numbers, booleans or null come back as strings", async () => {
    const store = await driver.open(await tempHome());
    const data = { n: "123", f: "1e3", t: "true", z: "null", q: '"quoted"', list: ["0", "false"] };
    await store.put("meta", "strings", data);
    await store.put("meta", "bare", "123");
    expect((await store.get("meta", "strings"))?.data).toEqual(data);
    expect((await store.get("meta", "bare"))?.data).toBe("123");
    expect((await store.list("meta")).map((record) => record.data)).toEqual(["123", data]);
    await store.close();
  });

  test("invalid kinds and ids are refused with invalid_key and nothing is written", async () => {
    const home = await tempHome();
    const store = await driver.open(home);
    const badIds = ["../x", "a:b", "a?b", "", "x".repeat(200), "..", "a/b", ".hidden", "a..b"];
    for (const id of badIds) {
      const refusals = [store.get("job", id), store.put("job", id, { v: 1 }), store.update("job", id, () => 1), store.remove("job", id)];
      for (const refusal of refusals) {
        const error = await rejection(refusal);
        expect(error.code).toBe("invalid_key");
        expect(error.message).toContain(JSON.stringify(id));
      }
    }
    for (const kind of ["jobs", "", "../job", "records", "job:x"] as unknown as RecordKind[]) {
      const error = await rejection(store.put(kind, "ok", {}));
      expect(error.code).toBe("invalid_key");
      expect(error.message).toContain(JSON.stringify(kind));
      expect((await rejection(store.list(kind))).code).toBe("invalid_key");
    }
    expect(await filesUnder(home)).toEqual([]);
    if (driver.driver === "redis") expect(await redis!.command("DBSIZE")).toBe("0");
    await store.close();
  });

  test("a record that is not valid JSON is reported as state_corrupt naming the key", async () => {
    const home = await tempHome();
    const store = await driver.open(home);
    await store.put("job", "j1", { state: "queued" });
    for (const text of ['{"schema":1,"kind":"job"', "", '"just a string"', '{"schema":1,"kind":"job","id":"j2","createdAt":"x","updatedAt":"x","data":1}']) {
      await driver.corrupt(home, "records:job:j1", text);
      const error = await rejection(store.get("job", "j1"));
      expect(error.code).toBe("state_corrupt");
      expect(error.message).toContain("records:job:j1");
      expect((await rejection(store.list("job"))).code).toBe("state_corrupt");
    }
    expect(await store.remove("job", "j1")).toBe(true);
    await store.close();
  });

  test("withLock serialises callers of one store and of two stores on the same state", async () => {
    const home = await tempHome();
    const [a, b] = [await driver.open(home), await driver.open(home)];
    let inside = 0;
    let overlapped = false;
    const critical = async () => {
      inside++;
      if (inside > 1) overlapped = true;
      await sleep(3);
      inside--;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).withLock("shared-lock", critical)));
    expect(overlapped).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  test("a notification published on one store reaches a subscriber on another store sharing the state", async () => {
    const home = await tempHome();
    const a = await driver.open(home);
    const b = driver.driver === "redis" ? await driver.open(home) : a;
    const got: string[] = [];
    const unsubscribe = await b.channel.subscribe("test-topic", (payload) => void got.push(payload));
    const markers: string[] = [];
    await b.channel.subscribe("marker-topic", (payload) => void markers.push(payload));
    await a.channel.publish("test-topic", "hello");
    await a.channel.publish("other-topic", "not for us");
    await until(() => got.length > 0, "the published message");
    expect(got).toEqual(["hello"]);
    await unsubscribe();
    await a.channel.publish("test-topic", "after unsubscribe");
    // Published after it, a marker arrives after where "after unsubscribe" would have.
    await a.channel.publish("marker-topic", "marker");
    await until(() => markers.length > 0, "the marker published after unsubscribing");
    expect(markers).toEqual(["marker"]);
    expect(got).toEqual(["hello"]);
    expect(b.shared).toBe(driver.driver === "redis");
    await a.close();
    if (b !== a) await b.close();
  });
});

describe.skipIf(!redis)("the redis driver", () => {
  test("records live in Redis under patchbay:records:<kind>:<id> as JSON text, and nothing under home", async () => {
    const home = await tempHome();
    const store = await redisCase.open(home);
    await store.put("job", "j1", { n: "1" });
    const text = await redis!.command("GET", "patchbay:records:job:j1");
    expect(JSON.parse(text)).toMatchObject({ kind: "job", id: "j1", data: { n: "1" } });
    expect(await filesUnder(home)).toEqual([]);
    await store.close();
  });

  test("indexes are sorted sets under patchbay:index: applied in one batch; counters are shared between stores", async () => {
    const home = await tempHome();
    const [a, b] = [await redisCase.open(home), await redisCase.open(await tempHome())];
    await a.indexes!.apply([
      { add: "demo:x", member: "m2", score: 2 },
      { add: "demo:x", member: "m1", score: 1 },
      { add: "demo:x", member: "m3", score: 3 },
      { remove: "demo:x", member: "m2" },
    ]);
    expect(await b.indexes!.range("demo:x", 0, -1)).toEqual(["m1", "m3"]);
    expect(await b.indexes!.range("demo:x", 0, 0, { reverse: true })).toEqual(["m3"]);
    expect(await redis!.command("ZCARD", "patchbay:index:demo:x")).toBe("2");
    await expect(a.indexes!.range("bad name", 0, -1)).rejects.toMatchObject({ code: "invalid_key" });
    // A 10-minute window: the previous window (none here) weighs nothing, so the estimate is the count.
    const window = 600_000;
    const hits = [await a.counter!.hit("demo", window), await b.counter!.hit("demo", window), await a.counter!.hit("demo", window)];
    expect(hits.map(Math.round)).toEqual([1, 2, 3]);
    await b.counter!.reset("demo", window);
    expect(await a.counter!.hit("demo", window)).toBe(1);
    await a.close();
    await b.close();
  });

  test("an unreachable Redis fails the store with state_unavailable", async () => {
    const error = await rejection(createRecordStore({ home: await tempHome(), driver: "redis", redisUrl: "redis://127.0.0.1:1" }));
    expect(error.code).toBe("state_unavailable");
    expect(error.next).toContain("redis");
  });
});

test("record files are 0600 and state directories 0700", async () => {
  const home = await tempHome();
  const store = await createRecordStore({ home });
  await store.put("session", "s1", { secret: "x" });
  expect((await stat(join(home, "state", "records", "session", "s1"))).mode & 0o777).toBe(0o600);
  for (const dir of ["state", "state/records", "state/records/session", "state/.tmp"]) {
    expect((await stat(join(home, dir))).mode & 0o777).toBe(0o700);
  }
  await store.close();
});

test("a record path that is a folder, or lies under a file, reads as no record", async () => {
  const home = await tempHome();
  const store = await createRecordStore({ home });
  await mkdir(join(home, "state", "records", "job", "j1"), { recursive: true });
  expect(await store.get("job", "j1")).toBeUndefined();
  await writeFile(join(home, "state", "records", "worker"), "not a folder");
  expect(await store.get("worker", "w1")).toBeUndefined();
  await store.put("job", "j2", { state: "queued" });
  expect((await store.get<{ state: string }>("job", "j2"))?.data.state).toBe("queued");
  await store.close();
});

test("records stay listed when home sits under a node_modules or .tmp directory", async () => {
  const parent = await tempHome();
  for (const dirname of ["node_modules", ".tmp", ".locks"]) {
    await mkdir(join(parent, dirname));
    const store = await createRecordStore({ home: await tempHome(join(parent, dirname)) });
    await store.put("artifact", "a1", { dirname });
    expect((await store.list("artifact")).map((record) => record.id)).toEqual(["a1"]);
    await store.close();
  }
});
