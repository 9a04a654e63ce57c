/** `patchbay token list|revoke|rotate` and `patchbay msg send|inbox|wait` through the compiled binary. */
import { afterAll, expect, test } from "bun:test";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

interface TokenJson {
  token: string;
  token_id: string;
  agent: string;
  revoked?: Array<{ token_id: string }>;
}

async function patchbay(home: string, args: string[], env?: Record<string, string>) {
  return runPatchbay(args, { home, env, timeoutMs: 60_000 });
}

async function json<T>(home: string, args: string[], env?: Record<string, string>): Promise<T> {
  const result = await patchbay(home, [...args, "--json"], env);
  if (result.code !== 0) throw new Error(`patchbay ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** 200 when the server accepts the bearer token on /mcp (an initialize request), 401 when not. */
async function authStatus(url: string, token: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
  await response.body?.cancel();
  return response.status;
}

test(
  "token list shows ids and agents but never tokens; rotate and revoke take effect on a running server",
  async () => {
    const home = tempDir();
    const alice = await json<TokenJson>(home, ["token", "add", "--namespace", "team", "alice", "--label", "laptop"]);
    const bob = await json<TokenJson>(home, ["token", "add", "bob@team"]);
    await json<TokenJson>(home, ["token", "add", "--namespace", "other", "eve"]);

    const listed = await json<Array<{ token_id: string; agent: string; label: string }>>(home, ["token", "list"]);
    expect(listed.map((t) => t.agent).sort()).toEqual(["alice@team", "bob@team", "eve@other"]);
    expect(listed.find((t) => t.agent === "alice@team")).toMatchObject({ token_id: alice.token_id, label: "laptop" });
    const text = await patchbay(home, ["token", "list"]);
    expect(text.code).toBe(0);
    for (const secret of [alice.token, bob.token]) expect(text.stdout).not.toContain(secret);
    expect((await json<Array<{ agent: string }>>(home, ["token", "list", "--namespace", "other"])).map((t) => t.agent)).toEqual(["eve@other"]);

    const server = await startTestServer({ home, env: { PATCHBAY_HTTP_TOKEN: "operator-token-0123456789abcdef0123" } });
    try {
      expect(await authStatus(server.url, bob.token)).toBe(200);
      const rotated = await json<TokenJson>(home, ["token", "rotate", "bob@team"]);
      expect(rotated.revoked!.map((t) => t.token_id)).toEqual([bob.token_id]);
      expect(rotated.token).not.toBe(bob.token);
      expect(await authStatus(server.url, bob.token)).toBe(401);
      expect(await authStatus(server.url, rotated.token)).toBe(200);

      const revoked = await json<Array<{ token_id: string }>>(home, ["token", "revoke", "--id", alice.token_id]);
      expect(revoked.map((t) => t.token_id)).toEqual([alice.token_id]);
      expect(await authStatus(server.url, alice.token)).toBe(401);
      expect(await authStatus(server.url, rotated.token)).toBe(200);
      await json(home, ["token", "revoke", "bob@team"]);
      expect(await authStatus(server.url, rotated.token)).toBe(401);

      const missing = await patchbay(home, ["token", "revoke", "nobody@team"]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("no token matches nobody@team");
      expect((await json<Array<{ agent: string }>>(home, ["token", "list"])).map((t) => t.agent)).toEqual(["eve@other"]);
    } finally {
      await server.stop();
    }
  },
  { timeout: 60_000 },
);

test(
  "msg send, inbox and wait from the shell, acting as agents on the running server",
  async () => {
    const home = tempDir();
    await json(home, ["token", "add", "--namespace", "team", "alice"]);
    await json(home, ["token", "add", "--namespace", "team", "bob"]);
    const server = await startTestServer({ home });
    try {
      const noAgent = await patchbay(home, ["msg", "inbox"]);
      expect(noAgent.code).not.toBe(0);
      expect(noAgent.stderr).toContain("PATCHBAY_AGENT");

      // bob waits in the background, with a timeout far past this test's own: the wait can end
      // within the test only by taking a message, and exits 0 printing it.
      const waiting = patchbay(home, ["msg", "wait", "--timeout", "3600", "--json"], { PATCHBAY_AGENT: "bob@team" });
      // The server shows bob `waiting` once his wait is parked, so the send below reaches a parked
      // wait (that the push wakes it, not its 10 s re-read, tests/messaging/tools.test.ts proves by
      // the progress such a re-read would report).
      await until(
        async () =>
          (await json<{ presence: Array<{ agent: string; waiting: boolean }> }>(home, ["msg", "inbox", "--as", "alice@team", "--json"])).presence.some(
            (p) => p.agent === "bob@team" && p.waiting,
          ),
        "bob's wait to be parked",
      );
      const sent = await json<{ sent: Array<{ message_id: string; to: string }>; duplicate: boolean }>(home, [
        "msg",
        "send",
        "bob",
        "hello from the shell",
        "--as",
        "alice@team",
        "--thread",
        "ci",
        "--key",
        "build-42",
      ]);
      expect(sent.sent.map((s) => s.to)).toEqual(["bob@team"]);
      const waited = await waiting;
      expect(waited.code).toBe(0);
      const got = JSON.parse(waited.stdout) as { status: string; messages: Array<{ message_id: string; content: string; from: string; thread_id: string }> };
      expect(got).toMatchObject({ status: "message", messages: [{ content: "hello from the shell", from: "alice@team", thread_id: "ci" }] });
      expect(got.messages[0]!.message_id).toBe(sent.sent[0]!.message_id);

      // The same idempotency key again: reported as a duplicate, nothing new for bob.
      const retry = await json<{ duplicate: boolean }>(home, ["msg", "send", "bob", "hello from the shell", "--as", "alice@team", "--key", "build-42"]);
      expect(retry.duplicate).toBe(true);
      const empty = await patchbay(home, ["msg", "wait", "--timeout", "1", "--as", "bob@team"]);
      expect(empty.code).toBe(1);
      expect(empty.stdout).toContain("timeout");

      // bob answers; alice's inbox (plain text) shows it; her next inbox is empty.
      await json(home, ["msg", "send", "alice", "got it", "--as", "bob@team"]);
      const inbox = await patchbay(home, ["msg", "inbox", "--as", "alice@team"]);
      expect(inbox.code).toBe(0);
      expect(inbox.stdout).toContain("got it");
      expect(inbox.stdout).toContain("1 new");
      expect((await json<{ pending: unknown[] }>(home, ["msg", "inbox", "--as", "alice@team"])).pending).toEqual([]);

      // bob now has nothing unread; alice's unread-inbox refusal surfaces as an error exit.
      await json(home, ["msg", "send", "alice", "one more", "--as", "bob@team"]);
      const refused = await patchbay(home, ["msg", "send", "bob", "ignoring my inbox", "--as", "alice@team"]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("alice@team has 1 unread message(s)");
      const bad = await patchbay(home, ["msg", "wait", "--timeout", "0", "--as", "bob@team"]);
      expect(bad.code).not.toBe(0);
    } finally {
      await server.stop();
    }
  },
  { timeout: 90_000 },
);
