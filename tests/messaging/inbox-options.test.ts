/**
 * The inbox's options from the Patchcord design, through the compiled binary and a real HTTP
 * client: `limit` hands over only the oldest pending messages and leaves the rest unread;
 * `all_agents` and `show_presence` choose which agents the presence lists.
 */
import { afterAll, expect, test } from "bun:test";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

interface Inbox {
  pending: Array<{ content: string }>;
  unread_left: number;
  presence: Array<{ agent: string; active: boolean }>;
}

async function inboxOf(client: TestClient, args: Record<string, unknown> = {}): Promise<Inbox> {
  const result = await client.callTool("inbox", args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as unknown as Inbox;
}

test("inbox limit leaves the rest unread for the next call; all_agents and show_presence choose the presence", async () => {
  const home = tempDir();
  const tokens: Record<string, string> = {};
  for (const name of ["alice", "bob", "carol"]) {
    const added = await runPatchbay(["token", "add", "--namespace", "team", name, "--json"], { home });
    expect(added.code).toBe(0);
    tokens[name] = (JSON.parse(added.stdout) as { token: string }).token;
  }
  const server = await startTestServer({ home });
  const alice = await connectHttp("v2-legacy", server.url, { token: tokens.alice });
  const bob = await connectHttp("v1", server.url, { token: tokens.bob });
  try {
    // to_agent: the Patchcord design's name for `to`.
    for (const content of ["first", "second"]) expect((await bob.callTool("send_message", { to: "alice", content })).isError).toBeFalsy();
    expect((await bob.callTool("send_message", { to_agent: "alice", content: "third" })).isError).toBeFalsy();

    const firstLook = await inboxOf(alice, { limit: 2 });
    expect(firstLook.pending.map((m) => m.content)).toEqual(["first", "second"]);
    expect(firstLook.unread_left).toBe(1);
    // The one left over is still unread: sending stays refused until it is read.
    const refused = await alice.callTool("send_message", { to: "bob", content: "hi" });
    expect(refused.isError).toBe(true);
    const secondLook = await inboxOf(alice, { inbox_limit: 5 }); // the design's name for limit
    expect(secondLook.pending.map((m) => m.content)).toEqual(["third"]);
    expect(secondLook.unread_left).toBe(0);

    // carol has a token but was never seen: listed by default, left out of the active-only view.
    expect(secondLook.presence.map((p) => p.agent)).toEqual(["alice@team", "bob@team", "carol@team"]);
    expect(secondLook.presence.find((p) => p.agent === "carol@team")?.active).toBe(false);
    expect((await inboxOf(alice, { all_agents: false })).presence.map((p) => p.agent)).toEqual(["alice@team", "bob@team"]);
    expect((await inboxOf(alice, { show_presence: false })).presence).toEqual([]);

    for (const bad of [{ limit: 0 }, { limit: 501 }, { active_within_seconds: 5 }]) {
      const result = await alice.callTool("inbox", bad);
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain(Object.keys(bad)[0]!);
    }
  } finally {
    await alice.close();
    await bob.close();
    await server.stop();
  }
});

test("patchbay msg inbox --limit N hands over N and leaves the rest unread; --limit 0 is refused before anything is read", async () => {
  const home = tempDir();
  for (const name of ["alice", "bob"]) expect((await runPatchbay(["token", "add", "--namespace", "team", name], { home })).code).toBe(0);
  const server = await startTestServer({ home });
  try {
    for (const text of ["one", "two", "three"]) expect((await runPatchbay(["msg", "send", "--as", "bob@team", "alice", text], { home })).code).toBe(0);
    const refused = await runPatchbay(["msg", "inbox", "--as", "alice@team", "--limit", "0"], { home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--limit");
    const inbox = async (args: string[]) =>
      JSON.parse((await runPatchbay(["msg", "inbox", "--as", "alice@team", "--json", ...args], { home })).stdout) as {
        pending: Array<{ content: string }>;
        unread_left: number;
      };
    const first = await inbox(["--limit", "2"]);
    expect(first.pending.map((m) => m.content)).toEqual(["one", "two"]);
    expect(first.unread_left).toBe(1);
    expect((await inbox([])).pending.map((m) => m.content)).toEqual(["three"]);
  } finally {
    await server.stop();
  }
});
