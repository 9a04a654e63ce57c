/**
 * The per-session SSE event store's retention (server.resume_events, server.resume_seconds): what
 * a resume replays, and when it can no longer resume. The HTTP behaviour is in resume.test.ts.
 */
import { expect, test } from "bun:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { createMemoryEventStore } from "../../src/http/event-store-memory.ts";
import { expectBatchAnswers, expectCountBound, expectOwnStreamReplayed, note, replay } from "./event-store-contract.ts";

test("a resume replays the events of its own stream after the id, without the priming event", () => expectOwnStreamReplayed(createMemoryEventStore));

test("past server.resume_events the oldest events are gone: resuming from one is refused, later ones still replay", () =>
  expectCountBound(createMemoryEventStore));

test("a resume from an expired event of a batch's stream finds every answer: the ids of those expired, the answers still kept", () =>
  expectBatchAnswers(createMemoryEventStore));

test("an event older than server.resume_seconds is gone", async () => {
  let clock = 1_000_000;
  const store = createMemoryEventStore({ maxEvents: 1000, maxAgeMs: 10_000 }, () => clock);
  const old = await store.storeEvent("call", note(1));
  clock += 5_000;
  const recent = await store.storeEvent("call", note(2));
  expect(await store.canResume(old)).toBe(true);
  clock += 6_000;
  expect(await store.canResume(old)).toBe(false);
  expect(await store.canResume(recent)).toBe(true);
  expect(await store.canResume("call:99")).toBe(false);
});

test("a resumed stream's new priming event is a fresh place to resume from, on the same stream", async () => {
  let clock = 1_000_000;
  const store = createMemoryEventStore({ maxEvents: 1000, maxAgeMs: 10_000 }, () => clock);
  const first = await store.storeEvent("call", {} as JSONRPCMessage);
  clock += 8_000;
  const again = await store.primeAgain(first);
  clock += 8_000;
  // The first priming event is too old by now; the one a resume started with is not.
  expect(await store.canResume(first)).toBe(false);
  expect(await store.canResume(again)).toBe(true);
  const result: JSONRPCMessage = { jsonrpc: "2.0", id: 3, result: { content: [] } };
  await store.storeEvent("call", result);
  await store.storeEvent("other", note(1));
  expect(await replay(store, again)).toEqual([result]);
});

test("a resume from an expired event finds its stream's answer while kept, then the id of the call it answered", async () => {
  let clock = 1_000_000;
  const store = createMemoryEventStore({ maxEvents: 1000, maxAgeMs: 10_000 }, () => clock);
  const priming = await store.storeEvent("call", {} as JSONRPCMessage);
  clock += 5_000;
  const result: JSONRPCMessage = { jsonrpc: "2.0", id: 9, result: { content: [] } };
  await store.storeEvent("call", result);
  clock += 6_000;
  expect(await store.canResume(priming)).toBe(false);
  expect(await store.answersOf(priming)).toEqual([{ answer: result }]);
  clock += 5_000;
  expect(await store.answersOf(priming)).toEqual([{ lostId: 9 }]);
  expect(await store.answersOf("quiet:1")).toEqual([]);
});

test("a store at its bound for many times its size still resumes from its oldest kept event and no older one", async () => {
  const store = createMemoryEventStore({ maxEvents: 100, maxAgeMs: 600_000 });
  const ids: string[] = [];
  for (let n = 1; n <= 1_050; n++) ids.push(await store.storeEvent(n % 2 ? "a" : "b", note(n)));
  expect(await store.canResume(ids[949]!)).toBe(false);
  expect(await store.canResume(ids[950]!)).toBe(true);
  expect(await store.canResume("a:99999")).toBe(false);
  // Event 951 is on stream "a": the replay is the later events of "a", 953 to 1049.
  expect(await replay(store, ids[950]!)).toEqual(Array.from({ length: 49 }, (_, i) => note(953 + 2 * i)));
});
