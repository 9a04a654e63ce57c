/**
 * Finding 12: inbox marks messages read only while its caller still waits for the answer. A call
 * the client cancelled or dropped (its request signal aborted) leaves them unread: the next
 * inbox delivers them, and the sender can still unsend them.
 */
import { afterEach, expect, test } from "bun:test";
import { messagingHarness, type MessagingHarness } from "../messaging/support.ts";

let harness: MessagingHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function twoMessagesForAlice(): Promise<string[]> {
  harness = await messagingHarness();
  await harness.agent("alice");
  await harness.agent("bob");
  const bob = harness.as("agent:bob@team");
  const first = await bob.ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "alice", content: "first" });
  const second = await bob.ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "alice", content: "second" });
  return [first.sent[0]!.message_id, second.sent[0]!.message_id];
}

test("an inbox call whose client went away leaves its messages unread for the next inbox", async () => {
  const ids = await twoMessagesForAlice();
  const alice = harness!.as("agent:alice@team");
  const gone = new AbortController();
  gone.abort(new Error("client disconnected"));
  const lost = await alice.call("inbox", {}, { signal: gone.signal });
  expect(lost.isError).toBe(true);
  expect(lost._meta?.["patchbay/error"]).toMatchObject({ code: "request_cancelled" });

  const delivered = await alice.ok<{ pending: Array<{ message_id: string; content: string }> }>("inbox");
  expect(delivered.pending.map((m) => m.message_id)).toEqual(ids);
  expect(delivered.pending.map((m) => m.content)).toEqual(["first", "second"]);
  // Delivered now: read, so a third inbox has nothing new and unsend is refused.
  expect((await alice.ok<{ pending: unknown[] }>("inbox")).pending).toEqual([]);
  expect(await harness!.as("agent:bob@team").errorCode("unsend_message", { message_id: ids[0] })).toBe("already_read");
});

test("while the undelivered messages are unread the sender can still unsend them", async () => {
  const ids = await twoMessagesForAlice();
  const gone = new AbortController();
  gone.abort();
  await harness!.as("agent:alice@team").call("inbox", {}, { signal: gone.signal });
  expect(await harness!.as("agent:bob@team").ok("unsend_message", { message_id: ids[1] })).toMatchObject({ unsent: true });
});
