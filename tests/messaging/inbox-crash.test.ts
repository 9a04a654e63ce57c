/**
 * Red team, issue #16: an inbox take marks its messages read in one write (fs: a receipt, the
 * records rewritten after the answer; redis: batched writes). A process SIGKILLed before any one
 * of the takes' writes must lose no message and hand none over twice: after a restart, every
 * message sent was either handed over by a take that answered, or is handed over now, never both.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { BUN, waitForExit } from "../state/support.ts";
import { messagingHarness } from "./support.ts";

const redisPath = await redisServerPath();
if (!redisPath) throw new Error("redis-server is needed for these tests (apt-get install redis-server)");
const redis = await startRedis(redisPath);
const COUNT = 12;

afterAll(async () => {
  await redis.stop();
  removeTempDirs();
});

const drivers = [
  { driver: "fs", config: "" },
  { driver: "redis", config: `[state]\ndriver = "redis"\nredis_url = "${redis.url}"\n` },
];

/** Runs the child to its end or its self-inflicted SIGKILL; what it printed, by kind. */
async function run(home: string, dieAt: number, config: string) {
  const child = spawn(BUN, [join(import.meta.dirname, "inbox-crash-child.ts"), home, String(dieAt), String(COUNT), config], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = await waitForExit(child);
  const lines = (kind: string) => [...output.matchAll(new RegExp(`^${kind} (.+)$`, "gm"))].map((match) => match[1]!);
  return { exit, sent: lines("sent"), taken: lines("taken"), writes: Number(lines("writes")[0] ?? NaN) };
}

describe.each(drivers)("bob's inbox killed mid-take ($driver)", ({ driver, config }) => {
  beforeEach(async () => {
    await redis.command("FLUSHALL");
  });

  test("at every write of the takes: after a restart each message is handed over exactly once", async () => {
    const full = await run(tempDir("patchbay-inbox-crash-"), 0, config);
    expect(full.exit.code).toBe(0);
    expect(full.taken).toEqual(full.sent);
    expect(full.writes).toBeGreaterThan(2);
    for (let dieAt = 1; dieAt <= full.writes; dieAt++) {
      await redis.command("FLUSHALL");
      const home = tempDir("patchbay-inbox-crash-");
      const crashed = await run(home, dieAt, config);
      expect({ dieAt, signal: crashed.exit.signal }).toEqual({ dieAt, signal: "SIGKILL" });
      expect(crashed.sent).toHaveLength(COUNT);
      // Locks of the killed writer: Redis leases would expire; the test ends them now.
      if (driver === "redis")
        await redis.command("EVAL", "for _, key in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', key) end return 1", "0", "patchbay:lock:*");
      const harness = await messagingHarness({ home, ...(config && { configToml: config }) });
      try {
        const inbox = await harness.as("agent:bob@team").ok<{ pending: Array<{ message_id: string }> }>("inbox", { limit: 100 });
        const now = inbox.pending.map((message) => message.message_id);
        const twice = now.filter((id) => crashed.taken.includes(id));
        const lost = crashed.sent.filter((id) => !crashed.taken.includes(id) && !now.includes(id));
        expect({ dieAt, twice, lost }).toEqual({ dieAt, twice: [], lost: [] });
      } finally {
        await harness.close();
      }
    }
  }, 300_000);
});
