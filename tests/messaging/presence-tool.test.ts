/**
 * `presence` looks without touching: unread messages stay unread, nobody becomes active by being
 * looked at (nor by the operator reading an agent's history), an agent sees only its namespace, and the operator sees every namespace.
 */
import { afterEach, expect, test } from "bun:test";
import { messagingHarness, type MessagingHarness } from "./support.ts";

interface Entry {
  agent: string;
  last_seen: string | null;
  active: boolean;
  waiting: boolean;
}

let harness: MessagingHarness;
afterEach(async () => harness?.close());

test("the operator's presence lists every namespace and leaves bob's message unread; alice, never seen, stays away", async () => {
  harness = await messagingHarness();
  await harness.agent("alice");
  await harness.agent("bob");
  await harness.agent("eve", "other");
  await harness.agent("carol");
  await harness.as("agent:carol@team").ok("send_message", { to: "bob", content: "unread until bob reads it" });
  const operator = harness.as("operator");
  const { agents } = await operator.ok<{ agents: Entry[] }>("presence");
  expect(agents.map((entry) => entry.agent)).toEqual(["eve@other", "alice@team", "bob@team", "carol@team"]);
  expect(agents.find((entry) => entry.agent === "carol@team")?.active).toBe(true);
  expect(agents.find((entry) => entry.agent === "alice@team")).toEqual({ agent: "alice@team", last_seen: null, active: false, waiting: false });
  // Looking marks no one seen (neither presence nor the operator's recall as bob), and bob's message is still his to read.
  await operator.ok("recall", { as: "bob@team" });
  const team = await operator.ok<{ agents: Entry[] }>("presence", { namespace: "team" });
  expect(team.agents.find((entry) => entry.agent === "bob@team")).toMatchObject({ last_seen: null, active: false });
  const inbox = await harness.as("agent:bob@team").ok<{ pending: Array<{ content: string }> }>("inbox");
  expect(inbox.pending.map((message) => message.content)).toEqual(["unread until bob reads it"]);
});

test("an agent sees its own namespace only, and is refused another", async () => {
  harness = await messagingHarness();
  await harness.agent("alice");
  await harness.agent("eve", "other");
  const alice = harness.as("agent:alice@team");
  expect((await alice.ok<{ agents: Entry[] }>("presence")).agents.map((entry) => entry.agent)).toEqual(["alice@team"]);
  expect(await alice.errorCode("presence", { namespace: "other" })).toBe("as_forbidden");
});
