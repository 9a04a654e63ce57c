/**
 * Messaging over a shared Redis: two patchbay servers (two homes) agree on every mailbox rule, and
 * a wait on one server is woken by a send on the other through Redis pub/sub.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { createRecordStore, type RecordStore } from "../../src/state/index.ts";
import { createIdentities } from "../../src/messaging/identities.ts";
import { createMailbox } from "../../src/messaging/mailbox.ts";
import { createRateLimiter } from "../../src/messaging/limits.ts";
import type { MessageData } from "../../src/messaging/message.ts";
import { messagingHarness, type MessagingHarness, progressCounter } from "./support.ts";

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
      const again = await b
        .as("agent:alice@team")
        .ok<{ sent: Array<{ message_id: string }>; duplicate: boolean }>("send_message", { to: "bob", content: "one", idempotency_key: "k1" });
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
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b)
            .as("agent:alice@team")
            .ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: "once", idempotency_key: "race" }),
        ),
      );
      expect(new Set(sends.map((s) => s.sent[0]!.message_id)).size).toBe(1);
      const [onA, onB] = await Promise.all([a.as("agent:bob@team").ok<MessageList>("inbox"), b.as("agent:bob@team").ok<MessageList>("inbox")]);
      expect(onA.pending!.length + onB.pending!.length).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a wait parked on A is pushed a message sent on B, over pub/sub, not found by its re-read", async () => {
    const [a, b] = await pair();
    try {
      await a.agent("alice");
      await a.agent("bob");
      const ticks = progressCounter();
      const waiting = a.as("agent:bob@team").ok<MessageList>("wait_for_message", { timeout_seconds: 30 }, { progress: ticks });
      await until(() => a.parked("bob@team") === 1, "bob's wait to be parked on A");
      await b.as("agent:alice@team").ok("send_message", { to: "bob", content: "across" });
      const got = await waiting;
      expect(got.messages!.map((m) => m.content)).toEqual(["across"]);
      // The wait re-reads every 10 s, reporting progress each time it finds nothing: none came, only the push can have woken it.
      expect(ticks.reports).toBe(0);
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

  test("the rate limit counts the requests of both servers together", async () => {
    const toml = `${redisToml()}[messaging]\nrate_limit_per_minute = 6\nrate_ban_seconds = 60\n`;
    const a = await messagingHarness({ configToml: toml });
    const b = await messagingHarness({ configToml: toml });
    try {
      const token = await a.agent("alice");
      // Six requests alternating between the servers: three each, six in all, the limit.
      for (let i = 0; i < 6; i++) expect(await (i % 2 ? b : a).messaging.checkToken(token)).toEqual({ principal: "agent:alice@team" });
      // The seventh, on either server, is over it.
      expect(await a.messaging.checkToken(token)).toMatchObject({ banned: expect.any(Number) });
      expect(await b.messaging.checkToken(token)).toMatchObject({ banned: expect.any(Number) });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.skipIf(!redis)("the mailbox indexes on Redis", () => {
  /** The store, counting message records read and whole-kind listings. */
  function counting(store: RecordStore) {
    const reads = { records: 0, lists: 0 };
    const counted: RecordStore = {
      ...store,
      async get(kind, id) {
        if (kind === "message") reads.records++;
        return store.get(kind, id);
      },
      async getMany(kind, ids) {
        if (kind === "message") reads.records += ids.length;
        return store.getMany(kind, ids);
      },
      async list(kind) {
        if (kind === "message") reads.lists++;
        return store.list(kind);
      },
    };
    return { counted, reads };
  }

  test(
    "send, inbox, wait, reply and recall on a store holding 2,000 old messages read only the few they need",
    async () => {
      const home = tempDir();
      const store = await createRecordStore({ home, driver: "redis", redisUrl: redis!.url });
      const { counted, reads } = counting(store);
      const identities = createIdentities(store);
      const mailbox = await createMailbox(counted, identities);
      try {
        const alice = { name: "alice", namespace: "team" };
        const bob = { name: "bob", namespace: "team" };
        const others = Array.from({ length: 19 }, (_, i) => ({ name: `r${i}`, namespace: "team" }));
        for (const agent of [alice, bob, ...others]) await identities.addToken(agent);
        // 100 sends to 20 recipients: 2,000 messages in alice's history, 100 in bob's, all read.
        const to = ["bob", ...others.map((o) => o.name)].join(",");
        for (let i = 0; i < 100; i++) await mailbox.send(alice, { to, content: `old ${i}` });
        for (const agent of [bob, ...others]) expect((await mailbox.inbox(agent)).pending).toHaveLength(100);
        expect((await store.list<MessageData>("message")).length).toBe(2000);

        reads.records = 0;
        reads.lists = 0;
        const perOperation: Record<string, number> = {};
        const measure = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
          const before = reads.records;
          const result = await fn();
          perOperation[name] = reads.records - before;
          return result;
        };
        await measure("send", () => mailbox.send(bob, { to: "alice", content: "new" }));
        const waited = await measure("wait", () => mailbox.wait(alice, 1000));
        expect(waited.messages.map((m) => m.content)).toEqual(["new"]);
        await measure("reply", () => mailbox.reply(alice, { message_id: waited.messages[0]!.id, content: "thanks", defer: true }));
        const inbox = await measure("inbox", () => mailbox.inbox(bob));
        expect(inbox.pending.map((m) => m.content)).toEqual(["thanks"]);
        const recalled = await measure("recall", () => mailbox.recall(alice, { limit: 3 }));
        expect(recalled.map((m) => m.content)).toEqual(["thanks", "new", "old 99"]);
        const byThread = await measure("recall by thread", () => mailbox.recall(alice, { limit: 10, thread_id: waited.messages[0]!.thread_id }));
        expect(byThread.map((m) => m.content)).toEqual(["thanks", "new"]);
        await measure("resolve", () => mailbox.reply(bob, { message_id: inbox.pending[0]!.id, content: "done", resolve: true }));
        expect((await mailbox.inbox(alice)).deferred).toEqual([]);

        // Nothing listed the 2,000 messages; each operation read only the records it is about: the
        // pending one, the replied-to one, the `limit` newest, the thread's (resolve: original + 3).
        expect(reads.lists).toBe(0);
        expect(perOperation).toEqual({ send: 0, wait: 1, reply: 1, inbox: 1, recall: 3, "recall by thread": 2, resolve: 4 });
      } finally {
        mailbox.close();
        await store.close();
      }
    },
    { timeout: 60_000 },
  );

  test("messages stored before the indexes existed are indexed on the first start", async () => {
    const home = tempDir();
    const store = await createRecordStore({ home, driver: "redis", redisUrl: redis!.url });
    const identities = createIdentities(store);
    try {
      for (const name of ["alice", "bob"]) await identities.addToken({ name, namespace: "team" });
      const id = crypto.randomUUID();
      const old: MessageData = {
        id,
        namespace: "team",
        from: "alice",
        to: "bob",
        thread_id: id,
        group_id: id,
        content: "from before",
        state: "pending",
        created_at: new Date().toISOString(),
      };
      await store.put("message", id, old);
      const mailbox = await createMailbox(store, identities);
      try {
        expect((await mailbox.inbox({ name: "bob", namespace: "team" })).pending.map((m) => m.content)).toEqual(["from before"]);
        expect((await mailbox.recall({ name: "alice", namespace: "team" }, { limit: 5 })).map((m) => m.state)).toEqual(["read"]);
      } finally {
        mailbox.close();
      }
    } finally {
      await store.close();
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

  test(
    "an agent waiting on server A receives a message sent on server B at once, pushed over pub/sub",
    async () => {
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
      // Watches A's presence: bob shows `waiting` once his wait is parked there.
      const aliceOnA = await connectHttp("v2-legacy", serverA.url, { token: alice });
      clients.push(bobOnA, aliceOnB, aliceOnA);
      const bobWaitingOnA = async () =>
        ((await aliceOnA.callTool("inbox")).structuredContent as { presence: Array<{ agent: string; waiting: boolean }> }).presence.some(
          (p) => p.agent === "bob@team" && p.waiting,
        );

      for (let round = 0; round < 5; round++) {
        // The wait's re-read (every 10 s) sends a progress notification when it finds nothing.
        const progress: number[] = [];
        const waiting = bobOnA.callTool("wait_for_message", { timeout_seconds: 20 }, { onprogress: (p) => void progress.push(p.progress) });
        // Parked on A before the send, so only a push over Redis can deliver it.
        await until(bobWaitingOnA, "bob's wait to be parked on server A");
        const sent = await aliceOnB.callTool("send_message", { to: "bob", content: `round ${round}` });
        expect(sent.isError).toBeFalsy();
        const got = (await waiting).structuredContent as MessageList;
        expect(got.status).toBe("message");
        expect(got.messages!.map((m) => m.content)).toEqual([`round ${round}`]);
        expect(got.messages![0]!.from).toBe("alice@team");
        // Pushed, not found by a re-read (the 100 ms target is measured by scripts/bench/messaging.ts).
        expect(progress).toEqual([]);
      }

      // bob replies on A; alice (on B) has it, and the reply arrives in her thread.
      const received = await bobOnA.callTool("recall", { limit: 1 });
      const last = (received.structuredContent as MessageList).messages![0]!;
      expect((await bobOnA.callTool("reply", { message_id: last.message_id, content: "ack from A" })).isError).toBeFalsy();
      const inbox = (await aliceOnB.callTool("inbox")).structuredContent as MessageList;
      expect(inbox.pending!.map((m) => m.content)).toEqual(["ack from A"]);
    },
    { timeout: 60_000 },
  );
});

describe.skipIf(!redis)("the rate limiter on Redis", () => {
  test("a token banned by another server is refused after one read of its ban from Redis, and let through once that server lifts it", async () => {
    const store = await createRecordStore({ home: tempDir(), driver: "redis", redisUrl: redis!.url });
    let banReads = 0;
    const counted: RecordStore = {
      ...store,
      async get(kind, id) {
        if (kind === "ban") banReads++;
        return store.get(kind, id);
      },
    };
    try {
      const here = createRateLimiter(counted, { perMinute: 1, banSeconds: 60 });
      const elsewhere = createRateLimiter(store, { perMinute: 1, banSeconds: 60 });
      const hash = "ab".repeat(32);
      // Both count into one Redis counter: the second request, on the other server, is over the limit.
      expect(await here.hit(hash)).toBeUndefined();
      expect(await elsewhere.hit(hash)).toBe(60);
      banReads = 0;
      expect(await here.hit(hash)).toBeGreaterThan(0);
      expect(banReads).toBe(1);
      await elsewhere.lift(hash.slice(0, 8));
      expect(await here.hit(hash)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
