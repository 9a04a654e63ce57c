/**
 * What every session event store does the same, in memory or in Redis (event-store.test.ts,
 * event-store-redis.test.ts): replays of one stream, the count bound (server.resume_events), and
 * the answers a batch's stream held.
 */
import { expect } from "bun:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import type { ResumeRetention, SessionEventStore } from "../../src/http/event-store.ts";
import { withPostedRequests } from "../../src/http/event-store-redis.ts";

export const note = (n: number): JSONRPCMessage => ({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "t", progress: n } });

export async function replay(store: SessionEventStore, after: string): Promise<unknown[]> {
  const sent: unknown[] = [];
  await store.replayEventsAfter(after, { send: async (_id, message) => void sent.push(message) });
  return sent;
}

/** A resume replays the events of its own stream after the id, without the priming event. */
export async function expectOwnStreamReplayed(makeStore: (retention: ResumeRetention) => SessionEventStore): Promise<void> {
  const store = makeStore({ maxEvents: 1000, maxAgeMs: 600_000 });
  const priming = await store.storeEvent("call", {} as JSONRPCMessage);
  await store.storeEvent("other", note(0));
  await store.storeEvent("call", note(1));
  const result: JSONRPCMessage = { jsonrpc: "2.0", id: 7, result: { content: [] } };
  await store.storeEvent("call", result);
  expect(await replay(store, priming)).toEqual([note(1), result]);
}

/** Past maxEvents the oldest events are gone: resuming from one is refused, later ones still replay. */
export async function expectCountBound(makeStore: (retention: ResumeRetention) => SessionEventStore): Promise<void> {
  const store = makeStore({ maxEvents: 3, maxAgeMs: 600_000 });
  const ids = [];
  for (let n = 1; n <= 5; n++) ids.push(await store.storeEvent("call", note(n)));
  expect(await store.canResume(ids[0]!)).toBe(false);
  expect(await store.canResume(ids[1]!)).toBe(false);
  expect(await store.canResume(ids[2]!)).toBe(true);
  expect(await replay(store, ids[2]!)).toEqual([note(4), note(5)]);
}

/**
 * A batch's stream holds an answer per request. Past maxEvents its priming event and first answer
 * are gone: a resume from it learns that request's id and still gets the second answer.
 */
export async function expectBatchAnswers(makeStore: (retention: ResumeRetention) => SessionEventStore): Promise<void> {
  const store = makeStore({ maxEvents: 3, maxAgeMs: 600_000 });
  const batch = [1, 2].map((id) => ({ jsonrpc: "2.0", id, method: "tools/call" }));
  const priming = await withPostedRequests(batch, () => store.storeEvent("batch", {} as JSONRPCMessage));
  await store.storeEvent("batch", { jsonrpc: "2.0", id: 1, result: { content: [] } });
  await store.storeEvent("batch", note(1));
  await store.storeEvent("batch", note(2));
  const second: JSONRPCMessage = { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "two" }] } };
  await store.storeEvent("batch", second);
  expect(await store.canResume(priming)).toBe(false);
  expect(await store.answersOf(priming)).toEqual([{ lostId: 1 }, { answer: second }]);
}
