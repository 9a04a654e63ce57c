import { afterEach, describe, expect, test } from "bun:test";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { httpHarness, type HttpHarness } from "./http-support.ts";

let harness: HttpHarness | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  await harness?.close();
  harness = undefined;
});

async function client(generation: "v1" | "v2-legacy" | "v2-modern", token: string): Promise<TestClient> {
  const connected = await connectHttp(generation, harness!.url, { token });
  clients.push(connected);
  return connected;
}

const structured = <T>(result: { structuredContent?: Record<string, unknown>; isError?: boolean; content?: unknown }) => {
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result.structuredContent as T;
};

describe("agent sessions over HTTP", () => {
  test("two agent tokens: send, wait with progress, reply, across both protocol eras", async () => {
    harness = await httpHarness();
    const alice = await client("v1", await harness.agent("alice"));
    const bob = await client("v2-modern", await harness.agent("bob"));
    const progress: number[] = [];
    const waiting = bob.callTool("wait_for_message", { timeout_seconds: 30 }, { onprogress: (p) => void progress.push(p.progress) });
    // Parked on the server: the message below reaches the wait by the push.
    await until(() => harness!.parked("bob@team") === 1, "bob's wait to be parked");
    const sent = structured<{ sent: Array<{ message_id: string }> }>(await alice.callTool("send_message", { to: "bob", content: "over http" }));
    const got = structured<{ status: string; messages: Array<{ from: string; content: string; message_id: string }> }>(await waiting);
    // Pushed, not found by the wait's 10 s re-read: that re-read would have sent a progress notification first.
    expect(progress).toEqual([]);
    expect(got).toMatchObject({ status: "message", messages: [{ from: "alice@team", content: "over http" }] });
    expect(got.messages[0]!.message_id).toBe(sent.sent[0]!.message_id);
    structured(await bob.callTool("reply", { message_id: got.messages[0]!.message_id, content: "ack" }));
    const inbox = structured<{ identity: string; pending: Array<{ content: string }> }>(await alice.callTool("inbox"));
    expect(inbox).toMatchObject({ identity: "alice@team", pending: [{ content: "ack" }] });
  });

  test.each([
    ["2025-11-25", "id: "],
    ["2025-06-18", ": stream open\n\n"],
  ])("a call that waits (%s): its headers and the stream's opening arrive before its answer", async (version, opening) => {
    harness = await httpHarness();
    const alice = await client("v2-legacy", await harness.agent("alice"));
    const headers = {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      authorization: `Bearer ${await harness.agent("bob")}`,
    };
    const post = (body: unknown, session?: string) =>
      fetch(harness!.url, {
        method: "POST",
        headers: { ...headers, ...(session && { "mcp-session-id": session, "mcp-protocol-version": version }) },
        body: JSON.stringify(body),
      });
    const opened = await post({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    const session = opened.headers.get("mcp-session-id")!;
    await opened.text();
    await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
    // The fetch settles with the headers: a stream with nothing in it yet would keep them until the SDK's 15 s keep-alive.
    const waiting = await post(
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "wait_for_message", arguments: { timeout_seconds: 30 } } },
      session,
    );
    expect(waiting.status).toBe(200);
    const reader = waiting.body!.getReader();
    const decoder = new TextDecoder();
    let received = decoder.decode((await reader.read()).value);
    expect(received.startsWith(opening)).toBe(true);
    // Headers and opening came while the call still waits: the answer is not written yet.
    expect(received).not.toContain('"result"');
    await until(() => harness!.parked("bob@team") === 1, "bob's wait to be parked");
    structured(await alice.callTool("send_message", { to: "bob", content: "the answer" }));
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += decoder.decode(chunk.value);
    expect(received).toContain("the answer");
  });

  test("an agent session is its own agent: `as` for another agent is refused", async () => {
    harness = await httpHarness();
    await harness.agent("alice");
    const bob = await client("v2-legacy", await harness.agent("bob"));
    const result = await bob.callTool("inbox", { as: "alice@team" });
    expect(result.isError).toBe(true);
    expect(result._meta?.["patchbay/error"]).toMatchObject({ code: "as_forbidden" });
  });

  test("unknown and revoked agent tokens get 401; the operator token acts with `as`", async () => {
    harness = await httpHarness({ operatorToken: "operator-secret-123" });
    const token = await harness.agent("alice");
    await harness.agent("bob");
    const post = (bearer: string) =>
      fetch(harness!.url, {
        method: "POST",
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: "{}",
      });
    expect((await post("pbt_not-a-real-token")).status).toBe(401);
    const operator = await client("v1", "operator-secret-123");
    structured(await operator.callTool("send_message", { to: "bob", content: "hi", as: "alice@team" }));
    await harness.messaging.identities.revoke({ address: { name: "alice", namespace: "team" } });
    expect((await post(token)).status).toBe(401);
  });
});

describe("rate limits", () => {
  test("a token over the limit is banned with 429, and the ban survives a restart", async () => {
    harness = await httpHarness({ configToml: "[messaging]\nrate_limit_per_minute = 3\nrate_ban_seconds = 120\n" });
    const token = await harness.agent("alice");
    const other = await harness.agent("bob");
    const post = (url: string, bearer: string) =>
      fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(harness.url, token)).status);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(statuses.slice(0, 3).every((status) => status !== 429)).toBe(true);
    const banned = await post(harness.url, token);
    expect(Number(banned.headers.get("retry-after"))).toBeGreaterThan(100);
    expect((await post(harness.url, other)).status).not.toBe(429);
    const home = harness.home;
    await harness.close();
    harness = await httpHarness({ home });
    expect((await post(harness.url, token)).status).toBe(429);
  });
});

describe("attachments over HTTP", () => {
  test("upload with the signed PUT URL, read with get_attachment and the signed download URL", async () => {
    harness = await httpHarness({ configToml: "[messaging]\nmax_attachment_bytes = 1000\n" });
    await harness.agent("alice");
    await harness.agent("bob");
    const alice = harness.as("agent:alice@team");
    const upload = await alice.ok<{ path: string; upload_url: string; max_bytes: number }>("upload_attachment", { filename: "../notes.md" });
    expect(upload.path).toMatch(/^team\/alice\/[0-9a-f]{32}\/notes\.md$/);
    expect(upload.max_bytes).toBe(1000);
    const put = await fetch(upload.upload_url, { method: "PUT", body: "# notes\nhello" });
    expect(put.status).toBe(201);
    expect((await fetch(upload.upload_url, { method: "PUT", body: "again" })).status).toBe(409);
    const got = await harness.as("agent:bob@team").ok<{ size: number; text: string; download_url: string }>("get_attachment", { path: upload.path });
    expect(got).toMatchObject({ size: 13, text: "# notes\nhello" });
    const download = await fetch(got.download_url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("# notes\nhello");
    const tampered = got.download_url.replace(/signature=([0-9a-f])/, (_, c: string) => `signature=${c === "0" ? "1" : "0"}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(upload.upload_url.replace("notes.md", "other.md"))).status).toBe(403);
  });

  test("an upload over the size cap is refused with 413 and stores nothing", async () => {
    harness = await httpHarness({ configToml: "[messaging]\nmax_attachment_bytes = 100\n" });
    await harness.agent("alice");
    const alice = harness.as("agent:alice@team");
    const upload = await alice.ok<{ path: string; upload_url: string }>("upload_attachment", { filename: "big.bin" });
    expect((await fetch(upload.upload_url, { method: "PUT", body: new Uint8Array(101) })).status).toBe(413);
    expect(await alice.errorCode("get_attachment", { path: upload.path })).toBe("attachment_not_found");
  });

  test("path traversal and another namespace's attachments are not found", async () => {
    harness = await httpHarness();
    await harness.agent("alice");
    await harness.agent("eve", "other");
    const alice = harness.as("agent:alice@team");
    const upload = await alice.ok<{ path: string; upload_url: string }>("upload_attachment", { filename: "secret.txt" });
    await fetch(upload.upload_url, { method: "PUT", body: "team secret" });
    const eve = harness.as("agent:eve@other");
    const [, , id] = upload.path.split("/");
    for (const path of [
      upload.path,
      `other/eve/../../team/alice/${id}/secret.txt`,
      `other/alice/../../${upload.path}`,
      `/${upload.path}`,
      `team/alice/${id}/..%2fsecret.txt`,
      `team\\alice\\${id}\\secret.txt`,
    ]) {
      expect(await eve.errorCode("get_attachment", { path })).toBe("attachment_not_found");
    }
    expect(await alice.errorCode("get_attachment", { path: `team/bob/../alice/${id}/secret.txt` })).toBe("attachment_not_found");
    const encoded = `${harness.origin}/attachments/team/alice/${id}/%2e%2e%2fsecret.txt?expires=9999999999&signature=${"0".repeat(64)}`;
    expect((await fetch(encoded)).status).toBe(404);
  });
});
