import { afterEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "../support/patchbay.ts";
import { messagingHarness, type MessagingHarness } from "./support.ts";

let harness: MessagingHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Runs crash-child.ts, kills it with SIGKILL after `afterIds` acknowledged sends (or at "done"). */
function sendThenKill(home: string, afterIds: number): Promise<string[]> {
  const child = spawn(process.execPath, [join(import.meta.dir, "crash-child.ts"), home], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    const ids: string[] = [];
    let buffer = "";
    child.stdout!.on("data", (chunk) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line !== "done") ids.push(line);
        if (ids.length >= afterIds || line === "done") child.kill("SIGKILL");
      }
    });
    child.once("exit", () => resolve(ids));
    child.once("error", reject);
  });
}

describe("durability", () => {
  test("kill -9 with queued messages: every acknowledged message is there after a restart", async () => {
    const home = tempDir("patchbay-msg-crash-");
    const acknowledged = await sendThenKill(home, 12);
    expect(acknowledged.length).toBeGreaterThanOrEqual(12);
    harness = await messagingHarness({ home });
    const inbox = await harness.as("agent:bob@team").ok<{ pending: Array<{ message_id: string }> }>("inbox");
    const delivered = inbox.pending.map((m) => m.message_id);
    for (const id of acknowledged) expect(delivered).toContain(id);
  }, 30_000);

  test("after a restart a retried send with the same idempotency key still delivers once", async () => {
    const home = tempDir("patchbay-msg-restart-");
    harness = await messagingHarness({ home });
    await harness.agent("alice");
    await harness.agent("bob");
    const first = await harness
      .as("agent:alice@team")
      .ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: "once", idempotency_key: "k" });
    await harness.close();
    harness = await messagingHarness({ home });
    const again = await harness
      .as("agent:alice@team")
      .ok<{ sent: Array<{ message_id: string }>; duplicate: boolean }>("send_message", { to: "bob", content: "once", idempotency_key: "k" });
    expect(again).toMatchObject({ duplicate: true, sent: first.sent });
    expect((await harness.as("agent:bob@team").ok<{ pending: unknown[] }>("inbox")).pending).toHaveLength(1);
  });

  test("deferred messages stay in the inbox across a restart", async () => {
    const home = tempDir("patchbay-msg-defer-");
    harness = await messagingHarness({ home });
    await harness.agent("alice");
    await harness.agent("bob");
    const sent = await harness.as("agent:alice@team").ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: "later" });
    await harness.as("agent:bob@team").ok("reply", { message_id: sent.sent[0]!.message_id, content: "will do", defer: true });
    await harness.close();
    harness = await messagingHarness({ home });
    const inbox = await harness.as("agent:bob@team").ok<{ deferred: Array<{ message_id: string }> }>("inbox");
    expect(inbox.deferred.map((m) => m.message_id)).toEqual([sent.sent[0]!.message_id]);
  });
});

describe("retention", () => {
  test("the sweep removes messages and attachments older than cleanup_max_age_days and keeps newer ones", async () => {
    harness = await messagingHarness({ configToml: "[messaging]\ncleanup_max_age_days = 7\n" });
    await harness.agent("alice");
    await harness.agent("bob");
    const alice = harness.as("agent:alice@team");
    await alice.ok("send_message", { to: "bob", content: "old" });
    const stored = await harness.messaging.attachments.add({ name: "alice", namespace: "team" }, "old.txt", new TextEncoder().encode("x"));
    expect(await harness.messaging.sweep(new Date(Date.now() + 6 * 86_400_000))).toEqual({ messages: 0, attachments: 0 });
    expect(await harness.messaging.sweep(new Date(Date.now() + 8 * 86_400_000))).toEqual({ messages: 1, attachments: 1 });
    expect((await harness.as("agent:bob@team").ok<{ messages: unknown[] }>("recall")).messages).toEqual([]);
    expect(await alice.errorCode("get_attachment", { path: stored.path })).toBe("attachment_not_found");
  });
});
