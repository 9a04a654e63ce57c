/**
 * Issue #16: an inbox that hands over many messages marks them read in one write (a receipt; the
 * message records are rewritten after the answer), so a write that fails part-way through loses
 * none of them, and a restart before the records were rewritten still knows they were read.
 * A record replaced by a directory is the failing write: rewriting it fails, as on a full disk.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/patchbay.ts";
import { messagingHarness, type MessagingHarness } from "./support.ts";

interface Inbox {
  pending: Array<{ message_id: string; content: string }>;
  unread_left: number;
}

const COUNT = 30;
let harness: MessagingHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function sendMany(target: MessagingHarness): Promise<string[]> {
  await target.agent("alice");
  await target.agent("bob");
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const sent = await target.as("agent:alice@team").ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: `m${i}` });
    ids.push(sent.sent[0]!.message_id);
  }
  return ids;
}

const recordFile = (home: string, id: string) => join(home, "state", "records", "message", id);

test("a record that cannot be rewritten part-way through an inbox loses no message: all are handed over, and read after a restart", async () => {
  const home = tempDir("patchbay-msg-batch-");
  harness = await messagingHarness({ home });
  const ids = await sendMany(harness);
  // The middle record cannot be written any more: marking messages read one by one stopped there.
  const broken = ids[COUNT / 2]!;
  const original = readFileSync(recordFile(home, broken));
  rmSync(recordFile(home, broken));
  mkdirSync(recordFile(home, broken));

  const bob = harness.as("agent:bob@team");
  const inbox = await bob.ok<Inbox>("inbox", { limit: COUNT });
  expect(inbox.pending.map((m) => m.message_id)).toEqual(ids);
  expect(inbox.unread_left).toBe(0);
  expect((await bob.ok<Inbox>("inbox")).pending).toEqual([]);
  await harness.close();
  harness = undefined;

  // The record comes back as it was on disk (pending), as after a crash before it was rewritten.
  rmSync(recordFile(home, broken), { recursive: true });
  writeFileSync(recordFile(home, broken), original);
  harness = await messagingHarness({ home });
  const again = harness.as("agent:bob@team");
  expect((await again.ok<Inbox>("inbox")).pending).toEqual([]);
  const history = await again.ok<{ messages: Array<{ message_id: string; state: string }> }>("recall", { limit: COUNT });
  expect(history.messages.map((m) => m.state)).toEqual(Array(COUNT).fill("read"));
  expect(new Set(history.messages.map((m) => m.message_id))).toEqual(new Set(ids));
});
