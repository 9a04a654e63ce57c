/**
 * Messaging over a shared Redis: two patchbay servers (two homes) agree on every mailbox rule, and
 * a wait on one server is woken by a send on the other through Redis pub/sub.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { messagingHarness, type MessagingHarness } from "./support.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;
const redisToml = () => `[state]\ndriver = "redis"\nredis_url = "${redis!.url}"\n`;

afterAll(async () => {
  await redis?.stop();
  removeTempDirs();
});

beforeEach(async () => {
  await redis?.command("FLUSHALL");
});

interface MessageList {
  status?: string;
  pending?: Array<{ message_id: string; content: string }>;
  messages?: Array<{ message_id: string; content: string; from: string }>;
}

describe.skipIf(!redis)("two in-process servers sharing one Redis", () => {
  async function pair(): Promise<[MessagingHarness, MessagingHarness]> {
    const a = await messagingHarness({ configToml: redisToml() });
    const b = await messagingHarness({ configToml: redisToml() });
    return [a, b];
  }

  test("tokens, unread refusal, idempotency keys and unsend hold across servers", async () => {
    const [a, b] = await pair();
    try {
      await a.agent("alice");
      await a.agent("bob");
      // Identities created on A exist on B.
      expect((await b.messaging.identities.listTokens("team")).map((t) => t.agent).sort()).toEqual(["alice@team", "bob@team"]);
      const aliceOnA = a.as("agent:alice@team");
      const bobOnB = b.as("agent:bob@team");

      const first = await aliceOnA.ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: "one", idempotency_key: "k1" });
      // The retry lands on the other server: still one message.
      const again = await b.as("agent:alice@team").ok<{ sent: Array<{ message_id: string }>; duplicate: boolean }>("send_message", { to: "bob", content: "one", idempotency_key: "k1" });
      expect(again.duplicate).toBe(true);
      expect(again.sent[0]!.message_id).toBe(first.sent[0]!.message_id);

      // bob has unread mail (sent through A): B refuses his send.
      expect(await bobOnB.errorCode("send_message", { to: "alice", content: "hi" })).toBe("inbox_unread");

      // alice unsends on B a message sent on A, before bob reads it.
      const second = await aliceOnA.ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: "two" });
      await b.as("agent:alice@team").ok("unsend_message", { message_id: second.sent[0]!.message_id });

      const inbox = await bobOnB.ok<MessageList>("inbox");
      expect(inbox.pending!.map((m) => m.content)).toEqual(["one"]);
      // Read on B: unsend on A is refused.
      expect(await aliceOnA.errorCode("unsend_message", { message_id: first.sent[0]!.message_id })).toBe("already_read");
      await bobOnB.ok("send_message", { to: "alice", content: "now allowed" });
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("the same idempotency key sent on both servers at once delivers once; a message is taken by one waiter only", async () => {
    const [a, b] = await pair();
    try {
      await a.agent("alice");
      await a.agent("bob");
      const sends = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).as("agent:alice@team").ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: "once", idempotency_key: "race" })),
      );
      expect(new Set(sends.map((s) => s.sent[0]!.message_id)).size).toBe(1);
      const [onA, onB] = await Promise.all([a.as("agent:bob@team").ok<MessageList>("inbox"), b.as("agent:bob@team").ok<MessageList>("inbox")]);
      expect(onA.pending!.length + onB.pending!.length).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a ban issued on one server is enforced on the other", async () => {
    const toml = `${redisToml()}[messaging]\nrate_limit_per_minute = 2\nrate_ban_seconds = 60\n`;
    const a = await messagingHarness({ configToml: toml });
    const b = await messagingHarness({ configToml: toml });
    try {
      const token = await a.agent("alice");
      expect(await b.messaging.checkToken(token)).toEqual({ principal: "agent:alice@team" });
      for (let i = 0; i < 3; i++) await a.messaging.checkToken(token);
      expect(await b.messaging.checkToken(token)).toMatchObject({ banned: expect.any(Number) });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.skipIf(!redis)("two patchbay binaries sharing one Redis", () => {
  const servers: TestServer[] = [];
  const clients: TestClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  async function redisHome(): Promise<string> {
    const home = tempDir();
    writeFileSync(`${home}/config.toml`, redisToml());
    return home;
  }

  async function addAgent(home: string, name: string): Promise<string> {
    const result = await runPatchbay(["token", "add", "--namespace", "team", name, "--json"], { home });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { token: string }).token;
  }

  test("an agent waiting on server A receives a message sent on server B within 100 ms", async () => {
    const [homeA, homeB] = [await redisHome(), await redisHome()];
    // Tokens are records in Redis: created through home A, they work on both servers.
    const alice = await addAgent(homeA, "alice");
    const bob = await addAgent(homeA, "bob");
    const listed = await runPatchbay(["token", "list", "--json"], { home: homeB });
    expect((JSON.parse(listed.stdout) as Array<{ agent: string }>).map((t) => t.agent).sort()).toEqual(["alice@team", "bob@team"]);

    const env = { PATCHBAY_HTTP_TOKEN: "operator-token-0123456789abcdef0123" };
    const [serverA, serverB] = await Promise.all([startTestServer({ home: homeA, env }), startTestServer({ home: homeB, env })]);
    servers.push(serverA, serverB);
    expect(serverA.url).not.toBe(serverB.url);
    const bobOnA = await connectHttp("v2-modern", serverA.url, { token: bob });
    const aliceOnB = await connectHttp("v1", serverB.url, { token: alice });
    clients.push(bobOnA, aliceOnB);

    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      const waiting = bobOnA.callTool("wait_for_message", { timeout_seconds: 20 });
      // Let the wait reach the server and subscribe before sending.
      await new Promise((done) => setTimeout(done, 150));
      const sentAt = performance.now();
      const sent = await aliceOnB.callTool("send_message", { to: "bob", content: `round ${round}` });
      expect(sent.isError).toBeFalsy();
      const got = (await waiting).structuredContent as MessageList;
      latencies.push(performance.now() - sentAt);
      expect(got.status).toBe("message");
      expect(got.messages!.map((m) => m.content)).toEqual([`round ${round}`]);
      expect(got.messages![0]!.from).toBe("alice@team");
    }
    // The send call itself is included, so this bounds send → delivered, measured by the client.
    expect(Math.max(...latencies)).toBeLessThan(100);

    // bob replies on A; alice (on B) has it, and the reply arrives in her thread.
    const received = await bobOnA.callTool("recall", { limit: 1 });
    const last = (received.structuredContent as MessageList).messages![0]!;
    expect((await bobOnA.callTool("reply", { message_id: last.message_id, content: "ack from A" })).isError).toBeFalsy();
    const inbox = (await aliceOnB.callTool("inbox")).structuredContent as MessageList;
    expect(inbox.pending!.map((m) => m.content)).toEqual(["ack from A"]);
  }, { timeout: 60_000 });
});
