import { afterAll, expect, test } from "bun:test";
import { mkdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_SCHEMA_VERSION, createRecordStore, type RecordKind } from "../../src/state/index.ts";
import { filesUnder, rejection, removeTempHomes, sleep, tempHome } from "./support.ts";

afterAll(removeTempHomes);

test("put then get returns the same record with schema, kind, id and timestamps", async () => {
  const store = await createRecordStore({ home: await tempHome() });
  const put = await store.put("job", "j1", { state: "queued", attempts: 0 });
  expect(await store.get("job", "j1")).toEqual(put);
  expect(put).toMatchObject({ schema: RECORD_SCHEMA_VERSION, kind: "job", id: "j1", data: { state: "queued", attempts: 0 } });
  expect(await store.get("job", "missing")).toBeUndefined();
  await store.close();
});

test("overwriting a record keeps createdAt and moves updatedAt", async () => {
  const store = await createRecordStore({ home: await tempHome() });
  const first = await store.put("worker", "w1", { n: 1 });
  await sleep(5);
  const second = await store.put("worker", "w1", { n: 2 }, { schema: 2 });
  expect(second.createdAt).toBe(first.createdAt);
  expect(second.updatedAt > first.updatedAt).toBe(true);
  expect(await store.get("worker", "w1")).toMatchObject({ schema: 2, createdAt: first.createdAt, data: { n: 2 } });
  await store.close();
});

test("list returns the records of one kind sorted by id", async () => {
  const store = await createRecordStore({ home: await tempHome() });
  for (const id of ["b", "a.2", "C", "a"]) await store.put("run", id, { id });
  await store.put("job", "other", {});
  expect((await store.list("run")).map((record) => record.id)).toEqual(["C", "a", "a.2", "b"]);
  expect(await store.list("message")).toEqual([]);
  await store.close();
});

test("remove deletes a record and reports whether it existed", async () => {
  const store = await createRecordStore({ home: await tempHome() });
  await store.put("token", "t1", { scope: "read" });
  expect(await store.remove("token", "t1")).toBe(true);
  expect(await store.get("token", "t1")).toBeUndefined();
  expect(await store.remove("token", "t1")).toBe(false);
  expect(await store.list("token")).toEqual([]);
  await store.close();
});

test("strings that look like numbers, booleans or null come back as strings", async () => {
  const store = await createRecordStore({ home: await tempHome() });
  const data = { n: "123", f: "1e3", t: "true", z: "null", q: "\"quoted\"", list: ["0", "false"] };
  await store.put("meta", "strings", data);
  await store.put("meta", "bare", "123");
  expect((await store.get("meta", "strings"))?.data).toEqual(data);
  expect((await store.get("meta", "bare"))?.data).toBe("123");
  await store.close();
});

test("invalid kinds and ids are refused with invalid_key and nothing is written", async () => {
  const home = await tempHome();
  const store = await createRecordStore({ home });
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
  await store.close();
});

test("a record whose file is not valid JSON is reported as state_corrupt naming the key", async () => {
  const home = await tempHome();
  const store = await createRecordStore({ home });
  await store.put("job", "j1", { state: "queued" });
  const file = join(home, "state", "records", "job", "j1");
  for (const text of ['{"schema":1,"kind":"job"', "", "\"just a string\""]) {
    await writeFile(file, text);
    const error = await rejection(store.get("job", "j1"));
    expect(error.code).toBe("state_corrupt");
    expect(error.message).toContain("records:job:j1");
    expect((await rejection(store.list("job"))).code).toBe("state_corrupt");
  }
  expect(await store.remove("job", "j1")).toBe(true);
  await store.close();
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

test("opening a store removes temp files that writers left more than ten minutes ago", async () => {
  const home = await tempHome();
  const tempDir = join(home, "state", ".tmp");
  await mkdir(tempDir, { recursive: true });
  await writeFile(join(tempDir, "old"), "half");
  await writeFile(join(tempDir, "fresh"), "in flight");
  const longAgo = new Date(Date.now() - 11 * 60_000);
  await utimes(join(tempDir, "old"), longAgo, longAgo);
  const store = await createRecordStore({ home });
  expect(await filesUnder(tempDir)).toEqual(["fresh"]);
  expect(await readFile(join(tempDir, "fresh"), "utf8")).toBe("in flight");
  await store.close();
});

test("the redis driver is refused with state_driver_unavailable until it ships", async () => {
  const home = await tempHome();
  const error = await rejection(createRecordStore({ home, driver: "redis", redisUrl: "redis://127.0.0.1:6379" }));
  expect(error.code).toBe("state_driver_unavailable");
  expect(error.next).toContain("messaging");
  expect(await filesUnder(home)).toEqual([]);
});
