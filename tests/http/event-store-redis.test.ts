/**
 * The Redis event store (state.driver "redis") against a real redis-server: the same retention as
 * in memory (server.resume_events, server.resume_seconds), judged by Redis's clock, and the call
 * records another server of the team reads to follow a call. The HTTP behaviour is in
 * team-resume.test.ts.
 */
import { afterAll, expect, test } from "bun:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import type { ResumeRetention } from "../../src/http/event-store.ts";
import { createRedisEventStore, withPostedRequests } from "../../src/http/event-store-redis.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { until } from "../support/until.ts";
import { expectBatchAnswers, expectCountBound, expectOwnStreamReplayed } from "./event-store-contract.ts";

const redisPath = await redisServerPath();
if (!redisPath) throw new Error("redis-server is needed for these tests (apt-get install redis-server)");
const redis = await startRedis(redisPath);
const records = await createRecordStore({ home: tempDir(), driver: "redis", redisUrl: redis.url });

afterAll(async () => {
  await records.close();
  await redis.stop();
  removeTempDirs();
});

function storeFor(retention: ResumeRetention) {
  return createRedisEventStore({ logs: records.logs!, sessionId: crypto.randomUUID(), retention, server: "server-a", callTtlMs: 60_000 });
}

test("a resume replays the events of its own stream from Redis after the id, without the priming event", () => expectOwnStreamReplayed(storeFor));

test("past server.resume_events the oldest events are gone from Redis: resuming from one is refused, later ones still replay", () =>
  expectCountBound(storeFor));

test("a resume from an expired event of a batch's stream finds every answer in Redis: the ids of those expired, the answers still kept", () =>
  expectBatchAnswers(storeFor));

test("an event older than server.resume_seconds is gone; the call's record still names the answer it lost", async () => {
  const store = storeFor({ maxEvents: 1000, maxAgeMs: 500 });
  const result: JSONRPCMessage = { jsonrpc: "2.0", id: 9, result: { content: [] } };
  const priming = await withPostedRequests({ jsonrpc: "2.0", id: 9, method: "tools/call" }, () => store.storeEvent("call", {} as JSONRPCMessage));
  await store.storeEvent("call", result);
  expect(await store.answersOf(priming)).toEqual([{ answer: result }]);
  await until(async () => "lostId" in ((await store.answersOf(priming))[0] ?? {}), "the kept answer to expire", { timeoutMs: 10_000 });
  expect(await store.canResume(priming)).toBe(false);
  expect(await store.answersOf(priming)).toEqual([{ lostId: 9 }]);
});

test("a call's record names its requests and the server running it; the answer ends it there", async () => {
  const store = storeFor({ maxEvents: 1000, maxAgeMs: 600_000 });
  const priming = await withPostedRequests({ jsonrpc: "2.0", id: "r1", method: "tools/call" }, () => store.storeEvent("s1", {} as JSONRPCMessage));
  expect(store.answeredHere(priming)).toBe(true);
  expect(await store.call("s1")).toEqual({ ids: ["r1"], server: "server-a", answers: [] });
  await store.storeEvent("s1", { jsonrpc: "2.0", id: "r1", result: {} });
  expect(store.answeredHere(priming)).toBe(false);
  expect((await store.call("s1"))?.answers.map((answer) => answer.id)).toEqual(["r1"]);
  // An event id naming no kept entry, or not in Redis's shape, resumes nothing.
  expect(await store.canResume("s1:1-0")).toBe(false);
  expect(await store.canResume("s1:not-an-id")).toBe(false);
});
