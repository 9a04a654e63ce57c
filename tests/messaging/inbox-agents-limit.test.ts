/**
 * Issue #14 item 6: inbox takes the Patchcord design's `agents_limit`, a bound on the presence
 * list: the agents waiting or seen most recently, the rest counted in `agents_left`. Through the
 * compiled binary and real SDK clients over HTTP.
 */
import { afterAll, expect, test } from "bun:test";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

interface Inbox {
  presence: Array<{ agent: string; waiting: boolean }>;
  agents_left: number;
}

async function inboxOf(client: TestClient, args: Record<string, unknown> = {}): Promise<{ inbox: Inbox; text: string }> {
  const result = await client.callTool("inbox", args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return { inbox: result.structuredContent as unknown as Inbox, text: (result.content?.[0] as { text: string }).text };
}

test("agents_limit bounds the presence list to the waiting and most recently seen agents; the rest are counted", async () => {
  const home = tempDir();
  const tokens: Record<string, string> = {};
  for (const name of ["alice", "bob", "carol", "dave"]) {
    const added = await runPatchbay(["token", "add", "--namespace", "team", name, "--json"], { home });
    tokens[name] = (JSON.parse(added.stdout) as { token: string }).token;
  }
  const server = await startTestServer({ home });
  const alice = await connectHttp("v2-legacy", server.url, { token: tokens.alice });
  const bob = await connectHttp("v1", server.url, { token: tokens.bob });
  const dave = await connectHttp("v2-legacy", server.url, { token: tokens.dave });
  try {
    // Defaults first: every agent of the namespace, none left out.
    const all = await inboxOf(alice);
    expect(all.inbox.presence.map((p) => p.agent)).toEqual(["alice@team", "bob@team", "carol@team", "dave@team"]);
    expect(all.inbox.agents_left).toBe(0);

    expect((await bob.callTool("inbox", {})).isError).toBeFalsy(); // bob is seen; carol and dave never were
    const two = await inboxOf(alice, { agents_limit: 2 });
    expect(two.inbox.presence.map((p) => p.agent)).toEqual(["alice@team", "bob@team"]);
    expect(two.inbox.agents_left).toBe(2);
    expect(two.text).toContain("2 more agents not listed");

    // An agent parked in wait_for_message is the one a sender most wants to see.
    const waiting = dave.callTool("wait_for_message", { timeout_seconds: 30 });
    // Waits through the operator's CLI, which no agent rate limit counts.
    await until(async () => {
      const look = await runPatchbay(["msg", "inbox", "--as", "carol@team", "--json"], { home });
      return (JSON.parse(look.stdout) as Inbox).presence.some((p) => p.agent === "dave@team" && p.waiting);
    }, "dave's wait to be parked");
    const one = (await inboxOf(alice, { agents_limit: 1 })).inbox;
    expect(one.presence).toEqual([expect.objectContaining({ agent: "dave@team", waiting: true })]);
    expect(one.agents_left).toBe(3);
    expect((await bob.callTool("send_message", { to: "dave", content: "wake up" })).isError).toBeFalsy();
    expect((await waiting).isError).toBeFalsy();

    for (const bad of [{ agents_limit: 0 }, { agents_limit: 501 }]) {
      const result = await alice.callTool("inbox", bad);
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain("agents_limit");
    }
  } finally {
    await Promise.all([alice.close(), bob.close(), dave.close()]);
    await server.stop();
  }
}, 60_000);
