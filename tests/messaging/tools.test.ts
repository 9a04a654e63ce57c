import { afterEach, describe, expect, test } from "bun:test";
import { until } from "../support/until.ts";
import { messagingHarness, type MessagingHarness, progressCounter, textOf } from "./support.ts";

interface Sent {
  sent: Array<{ message_id: string; to: string }>;
  thread_id: string;
  group_id: string;
  duplicate: boolean;
}
interface View {
  message_id: string;
  from: string;
  to: string;
  thread_id: string;
  content: string;
  state: string;
  reply_to?: string;
}
interface Inbox {
  identity: string;
  pending: View[];
  deferred: View[];
  presence: Array<{ agent: string; active: boolean; waiting: boolean }>;
}
interface Waited {
  status: string;
  messages: View[];
}

let harness: MessagingHarness;
afterEach(async () => harness?.close());

async function team() {
  harness = await messagingHarness();
  await harness.agent("alice");
  await harness.agent("bob");
  await harness.agent("carol");
  return { alice: harness.as("agent:alice@team"), bob: harness.as("agent:bob@team"), carol: harness.as("agent:carol@team") };
}

describe("send, inbox and reply", () => {
  test("a message reaches the recipient's inbox once and is marked read", async () => {
    const { alice, bob } = await team();
    const sent = await alice.ok<Sent>("send_message", { to: "bob", content: "hello bob" });
    expect(sent.sent).toEqual([{ message_id: expect.any(String), to: "bob@team" }]);
    const inbox = await bob.ok<Inbox>("inbox");
    expect(inbox.identity).toBe("bob@team");
    expect(inbox.pending.map((m) => [m.from, m.content, m.state])).toEqual([["alice@team", "hello bob", "read"]]);
    expect(inbox.presence.find((p) => p.agent === "alice@team")?.active).toBe(true);
    expect((await bob.ok<Inbox>("inbox")).pending).toEqual([]);
  });

  test("several recipients, with and without @namespace, get one message each in one group", async () => {
    const { alice, bob, carol } = await team();
    const sent = await alice.ok<Sent>("send_message", { to: "bob, carol@team, bob", content: "standup", thread: "daily" });
    expect(sent.sent.map((s) => s.to)).toEqual(["bob@team", "carol@team"]);
    expect(sent.thread_id).toBe("daily");
    for (const agent of [bob, carol]) expect((await agent.ok<Inbox>("inbox")).pending.map((m) => [m.content, m.thread_id])).toEqual([["standup", "daily"]]);
  });

  test("sending is refused while the sender has unread messages, and allowed after reading them", async () => {
    const { alice, bob } = await team();
    await alice.ok("send_message", { to: "bob", content: "first" });
    const refused = await bob.call("send_message", { to: "alice", content: "unrelated" });
    expect(refused.isError).toBe(true);
    expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "inbox_unread" });
    expect(JSON.stringify(refused.content)).toContain("first");
    await bob.ok("inbox");
    await bob.ok("send_message", { to: "alice", content: "now ok" });
  });

  test("a retried send with the same idempotency key delivers once", async () => {
    const { alice, bob } = await team();
    const first = await alice.ok<Sent>("send_message", { to: "bob", content: "deploy?", idempotency_key: "k-1" });
    const again = await alice.ok<Sent>("send_message", { to: "bob", content: "deploy?", idempotency_key: "k-1" });
    expect(again.duplicate).toBe(true);
    expect(again.sent).toEqual(first.sent);
    expect((await bob.ok<Inbox>("inbox")).pending).toHaveLength(1);
  });

  test("reply stays in the thread; defer keeps the original in the inbox; resolve closes the thread", async () => {
    const { alice, bob } = await team();
    const sent = await alice.ok<Sent>("send_message", { to: "bob", content: "review PR 12" });
    const id = sent.sent[0]!.message_id;
    await bob.ok("inbox");
    const deferred = await bob.ok<{ message: View; original_state: string }>("reply", { message_id: id, content: "later today", defer: true });
    expect(deferred.original_state).toBe("deferred");
    expect(deferred.message).toMatchObject({ to: "alice@team", thread_id: sent.thread_id, reply_to: id });
    expect((await bob.ok<Inbox>("inbox")).deferred.map((m) => m.message_id)).toEqual([id]);
    expect((await alice.ok<Inbox>("inbox")).pending.map((m) => m.content)).toEqual(["later today"]);
    const resolved = await bob.ok<{ resolved: boolean; original_state: string }>("reply", { message_id: id, content: "done", resolve: true });
    expect(resolved).toMatchObject({ resolved: true, original_state: "replied" });
    expect((await bob.ok<Inbox>("inbox")).deferred).toEqual([]);
  });

  test("bad input: empty content, too long, invalid recipient, empty namespace, non-uuid id, unknown agent, self", async () => {
    const { alice } = await team();
    expect(await alice.errorCode("send_message", { to: "bob", content: "   " })).toBe("invalid_content");
    expect(await alice.errorCode("send_message", { to: "bob", content: "x".repeat(50_001) })).toBe("invalid_arguments");
    expect(await alice.errorCode("send_message", { to: "bob smith", content: "hi" })).toBe("invalid_recipient");
    expect(await alice.errorCode("send_message", { to: "bob@", content: "hi" })).toBe("invalid_recipient");
    expect(await alice.errorCode("send_message", { to: "nobody", content: "hi" })).toBe("agent_not_found");
    expect(await alice.errorCode("send_message", { to: "alice", content: "hi" })).toBe("invalid_recipient");
    expect(await alice.errorCode("reply", { message_id: "not-a-uuid", content: "hi" })).toBe("invalid_message_id");
    expect(await alice.errorCode("unsend_message", { message_id: crypto.randomUUID() })).toBe("message_not_found");
  });
});

describe("what a model that reads only the text gets", () => {
  // Gemini CLI shows its model a result's text alone (docs/hosts.md): the ids it passes back must be there.
  const idsIn = (text: string) => [...text.matchAll(/\[([0-9a-f-]{36})\]/g)].map((match) => match[1]!);

  test("send_message and reply name each message they sent, and unsend_message takes those ids", async () => {
    const { alice, bob } = await team();
    const sent = await alice.call("send_message", { to: "bob, carol", content: "standup" });
    const [toBob, toCarol] = idsIn(textOf(sent));
    expect([toBob, toCarol]).toEqual((sent.structuredContent as unknown as Sent).sent.map((s) => s.message_id));
    await alice.ok("unsend_message", { message_id: toCarol });
    const replied = await bob.call("reply", { message_id: toBob, content: "here" });
    const [reply] = idsIn(textOf(replied));
    expect(reply).toBe((replied.structuredContent as { message: View }).message.message_id);
    await bob.ok("unsend_message", { message_id: reply });
    expect((await alice.ok<Inbox>("inbox")).pending).toEqual([]);
  });
});

describe("namespaces and identity", () => {
  test("two namespaces never see each other's agents or messages", async () => {
    const { alice, bob } = await team();
    await harness.agent("mallory", "other");
    await harness.agent("bob", "other");
    const mallory = harness.as("agent:mallory@other");
    expect(await mallory.errorCode("send_message", { to: "bob@team", content: "hi" })).toBe("namespace_forbidden");
    expect(await mallory.errorCode("send_message", { to: "alice", content: "hi" })).toBe("agent_not_found");
    const sent = await alice.ok<Sent>("send_message", { to: "bob", content: "team only" });
    const id = sent.sent[0]!.message_id;
    expect(await mallory.errorCode("reply", { message_id: id, content: "x" })).toBe("message_not_found");
    expect(await mallory.errorCode("unsend_message", { message_id: id })).toBe("message_not_found");
    expect((await harness.as("agent:bob@other").ok<Inbox>("inbox")).pending).toEqual([]);
    const otherInbox = await mallory.ok<Inbox>("inbox");
    expect(otherInbox.presence.map((p) => p.agent)).toEqual(["bob@other", "mallory@other"]);
    expect((await mallory.ok<{ messages: View[] }>("recall", { from_agent: "alice@team" })).messages).toEqual([]);
    expect((await bob.ok<Inbox>("inbox")).pending).toHaveLength(1);
  });

  test("the operator acts for any agent with `as`; an agent cannot act as another", async () => {
    await team();
    const operator = harness.as("operator");
    expect(await operator.errorCode("inbox")).toBe("identity_required");
    await operator.ok("send_message", { to: "bob", content: "from the operator as alice", as: "alice@team" });
    const inbox = await harness.as("local").ok<Inbox>("inbox", { as: "bob@team" });
    expect(inbox.pending.map((m) => m.from)).toEqual(["alice@team"]);
    expect(await harness.as("agent:bob@team").errorCode("inbox", { as: "alice@team" })).toBe("as_forbidden");
    expect(await operator.errorCode("inbox", { as: "ghost@team" })).toBe("agent_not_found");
  });
});

describe("names a caller got wrong", () => {
  test("the operator's `as` may be a bare name while one agent has it; a shared name needs the namespace; a misspelt one names the one meant", async () => {
    await team();
    await harness.agent("bob", "other");
    const operator = harness.as("operator");
    await operator.ok("send_message", { to: "bob", content: "as a bare name", as: "alice" });
    expect((await harness.as("agent:bob@team").ok<Inbox>("inbox")).pending.map((m) => [m.from, m.content])).toEqual([["alice@team", "as a bare name"]]);
    const shared = await operator.call("inbox", { as: "bob" });
    expect(shared._meta?.["patchbay/error"]).toMatchObject({ code: "agent_ambiguous" });
    expect(textOf(shared)).toContain("bob@other, bob@team");
    const misspelt = await operator.call("inbox", { as: "alcie" });
    const meant = /\(did you mean ([^?]+)\?\)/.exec(textOf(misspelt))?.[1];
    expect(meant).toBe("alice@team");
    expect((await operator.call("inbox", { as: meant })).isError).toBeFalsy();
  });

  test("a misspelt recipient names the one meant from the sender's namespace, never another namespace's agent", async () => {
    const { alice } = await team();
    const refused = await alice.call("send_message", { to: "bbo", content: "hi" });
    expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "agent_not_found" });
    expect(textOf(refused)).toContain("(did you mean bob?)");
    await harness.agent("mallory", "other");
    const outside = await harness.as("agent:mallory@other").call("send_message", { to: "alise", content: "hi" });
    expect(outside._meta?.["patchbay/error"]).toMatchObject({ code: "agent_not_found" });
    expect(textOf(outside)).not.toMatch(/alice|did you mean/);
  });
});

describe("unsend and recall", () => {
  test("unsend works before the recipient read it and is refused after; only the sender may unsend", async () => {
    const { alice, bob, carol } = await team();
    const one = (await alice.ok<Sent>("send_message", { to: "bob", content: "oops" })).sent[0]!.message_id;
    expect(await carol.errorCode("unsend_message", { message_id: one })).toBe("message_not_found");
    expect(await bob.errorCode("unsend_message", { message_id: one })).toBe("not_sender");
    expect(await alice.ok("unsend_message", { message_id: one })).toEqual({ message_id: one, unsent: true });
    expect((await bob.ok<Inbox>("inbox")).pending).toEqual([]);
    const two = (await alice.ok<Sent>("send_message", { to: "bob", content: "keep" })).sent[0]!.message_id;
    await bob.ok("inbox");
    expect(await alice.errorCode("unsend_message", { message_id: two })).toBe("already_read");
  });

  test("recall reads history newest first, filtered by sender and thread, without marking anything read", async () => {
    const { alice, bob } = await team();
    await alice.ok("send_message", { to: "bob", content: "a1", thread: "t1" });
    // Newest first needs a later timestamp: wait for the clock to move, not for a fixed time.
    const first = Date.now();
    await until(() => Date.now() > first, "the clock to show a later millisecond");
    await alice.ok("send_message", { to: "bob", content: "a2", thread: "t2" });
    const all = await bob.ok<{ messages: View[] }>("recall", { limit: 10 });
    expect(all.messages.map((m) => [m.content, m.state])).toEqual([
      ["a2", "pending"],
      ["a1", "pending"],
    ]);
    expect((await bob.ok<{ messages: View[] }>("recall", { thread_id: "t1" })).messages.map((m) => m.content)).toEqual(["a1"]);
    expect((await bob.ok<{ messages: View[] }>("recall", { from_agent: "bob" })).messages).toEqual([]);
    expect((await bob.ok<Inbox>("inbox")).pending).toHaveLength(2);
  });
});

describe("wait_for_message", () => {
  test("returns as soon as a message arrives, with the message marked read", async () => {
    const { alice, bob } = await team();
    const ticks = progressCounter();
    const waiting = bob.ok<Waited>("wait_for_message", { timeout_seconds: 20 }, { progress: ticks });
    // Parked: the message below can only reach the wait by the push, not by its first look.
    await until(() => harness.parked("bob@team") === 1, "bob's wait to be parked");
    await alice.ok("send_message", { to: "bob", content: "ping" });
    const result = await waiting;
    expect(result.status).toBe("message");
    expect(result.messages.map((m) => [m.content, m.state])).toEqual([["ping", "read"]]);
    // The wait reports progress at each re-read (every 10 s) that found nothing: none came, the push woke it.
    expect(ticks.reports).toBe(0);
    expect(harness.parked("bob@team")).toBe(0);
  });

  test("the inbox's presence shows an agent as waiting while its wait is parked, and not after", async () => {
    const { alice, bob, carol } = await team();
    const waitingOf = async (agent: string) => (await carol.ok<Inbox>("inbox")).presence.find((p) => p.agent === agent)?.waiting;
    expect(await waitingOf("bob@team")).toBe(false);
    const waiting = bob.ok<Waited>("wait_for_message", { timeout_seconds: 20 });
    await until(() => harness.parked("bob@team") === 1, "bob's wait to be parked");
    expect(await waitingOf("bob@team")).toBe(true);
    expect(await waitingOf("alice@team")).toBe(false);
    await alice.ok("send_message", { to: "bob", content: "ping" });
    expect((await waiting).status).toBe("message");
    expect(await waitingOf("bob@team")).toBe(false);
  });

  test("times out with status timeout, clamping the timeout to at least one second", async () => {
    const { bob } = await team();
    // Unclamped, a wait of 0 s would answer after its first look without ever parking.
    let parked = false;
    let answered = false;
    const waiting = bob.ok<Waited>("wait_for_message", { timeout_seconds: 0 }).finally(() => (answered = true));
    await until(() => (parked ||= harness.parked("bob@team") === 1) || answered, "the 0 s wait to park or answer");
    expect(await waiting).toEqual({ status: "timeout", messages: [] });
    expect(parked).toBe(true);
  });

  test("cancelling the request ends the wait without taking messages", async () => {
    const { alice, bob } = await team();
    const controller = new AbortController();
    const waiting = bob.ok<Waited>("wait_for_message", { timeout_seconds: 60 }, { signal: controller.signal });
    await until(() => harness.parked("bob@team") === 1, "bob's wait to be parked");
    controller.abort();
    expect((await waiting).status).toBe("cancelled");
    expect(harness.parked("bob@team")).toBe(0);
    await alice.ok("send_message", { to: "bob", content: "after cancel" });
    expect((await bob.ok<Inbox>("inbox")).pending.map((m) => m.content)).toEqual(["after cancel"]);
  });

  test("a newer wait for the same agent takes over: the older ends superseded having taken nothing, and the message goes once, to the newer", async () => {
    const { alice, bob } = await team();
    // The first caller went away without a word (a killed host): its wait must not take the next message for nobody.
    const abandoned = bob.ok<Waited>("wait_for_message", { timeout_seconds: 60 });
    await until(() => harness.parked("bob@team") === 1, "bob's first wait to be parked");
    const second = bob.ok<Waited>("wait_for_message", { timeout_seconds: 60 });
    expect(await abandoned).toEqual({ status: "superseded", messages: [] });
    await until(() => harness.parked("bob@team") === 1, "bob's second wait to be parked");
    await alice.ok("send_message", { to: "bob", content: "only once" });
    expect((await second).messages.map((m) => m.content)).toEqual(["only once"]);
  });

  test("an inbox read ends the agent's parked wait first, so a message sent after it stays for the agent", async () => {
    const { alice, bob } = await team();
    const abandoned = bob.ok<Waited>("wait_for_message", { timeout_seconds: 60 });
    await until(() => harness.parked("bob@team") === 1, "bob's wait to be parked");
    await bob.ok("inbox", {});
    expect((await abandoned).status).toBe("superseded");
    await alice.ok("send_message", { to: "bob", content: "kept" });
    expect((await bob.ok<{ pending: Array<{ content: string }> }>("inbox", {})).pending.map((m) => m.content)).toEqual(["kept"]);
  });

  test("a server shutdown ends waits with status shutdown", async () => {
    await team();
    const waiting = harness.as("agent:bob@team").ok<Waited>("wait_for_message", { timeout_seconds: 60 });
    await until(() => harness.parked("bob@team") === 1, "bob's wait to be parked");
    await harness.messaging.close();
    expect((await waiting).status).toBe("shutdown");
  });
});
