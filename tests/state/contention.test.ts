import { afterAll, describe, expect, test } from "bun:test";
import { createRecordStore, withRedisLock, type RecordStoreOptions } from "../../src/state/index.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { removeTempHomes, sleep, spawnFixture, tempHome, waitForLine } from "./support.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;

afterAll(async () => {
  await redis?.stop();
  await removeTempHomes();
});

const PER_CALLER = 100;

const drivers = [{ driver: "fs" as const }, ...(redis ? [{ driver: "redis" as const }] : [])];

describe.each(drivers)("contention ($driver)", ({ driver }) => {
  test(
    "update() loses no increments with two child processes and in-process callers at once",
    async () => {
      const home = await tempHome();
      const options: RecordStoreOptions = driver === "redis" ? { home, driver, redisUrl: redis!.url } : { home };
      if (driver === "redis") await redis!.command("FLUSHALL");
      const store = await createRecordStore(options);
      const children = [0, 1].map(() => spawnFixture("increment.ts", [home, String(PER_CALLER), ...(driver === "redis" ? [redis!.url] : [])]));
      try {
        await Promise.all(children.map((child) => waitForLine(child, "ready")));
        const finished = children.map((child) => waitForLine(child, "done"));
        for (const child of children) child.stdin?.write("go\n");
        // All in-process calls are in flight together, so they exercise the in-process queue too.
        await Promise.all(
          Array.from({ length: PER_CALLER }, () =>
            store.update<{ count: number }>("meta", "counter", (current) => ({ count: (current?.data.count ?? 0) + 1 })),
          ),
        );
        await Promise.all(finished);
      } finally {
        for (const child of children) child.kill("SIGKILL");
      }
      expect((await store.get<{ count: number }>("meta", "counter"))?.data.count).toBe(3 * PER_CALLER);
      await store.close();
    },
    { timeout: 30_000 },
  );
});

describe.skipIf(!redis)("redis locks", () => {
  test("a lock held past its lease is renewed, so nobody else gets in; a dead holder's lease expires", async () => {
    const { default: Redis } = await import("ioredis");
    const a = new Redis(redis!.url);
    const b = new Redis(redis!.url);
    try {
      let aInside = false;
      let aInsideWhenBEntered: boolean | undefined;
      let entered!: () => void;
      const holds = new Promise<void>((done) => (entered = done));
      // Holding for 400 ms, four leases long, is the subject: the lease must be renewed meanwhile.
      const holding = withRedisLock(
        a,
        "lease-test",
        async () => {
          aInside = true;
          entered();
          await sleep(400);
          aInside = false;
        },
        { leaseMs: 100 },
      );
      await holds;
      const waiting = withRedisLock(b, "lease-test", async () => void (aInsideWhenBEntered = aInside), { leaseMs: 100, timeoutMs: 5_000 });
      await holding;
      await waiting;
      expect(aInsideWhenBEntered).toBe(false);

      // A holder killed mid-section: its key stays until the lease runs out, then it is taken (a
      // live key is never taken: see "stuck" below).
      await a.set("patchbay:lock:dead-holder", "someone-else", "PX", 150, "NX");
      expect(await withRedisLock(b, "dead-holder", async () => "ran", { timeoutMs: 5_000 })).toBe("ran");

      await a.set("patchbay:lock:stuck", "someone-else", "PX", 60_000);
      const error = await withRedisLock(b, "stuck", async () => undefined, { timeoutMs: 100 }).catch((e: unknown) => e as { code?: string; message?: string });
      expect(error).toMatchObject({ code: "lock_timeout" });
      // Release only deletes our own token: the stuck key is untouched.
      expect(await a.get("patchbay:lock:stuck")).toBe("someone-else");
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
