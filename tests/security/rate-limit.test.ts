/**
 * Finding 8: the agent rate limit counts JSON-RPC calls, not HTTP requests. One POST carrying a
 * batch of 100 tools/call on a 2025-era session must not run 100 calls under a limit of 20.
 */
import { afterEach, expect, test } from "bun:test";
import { httpHarness, type HttpHarness } from "../messaging/http-support.ts";

let harness: HttpHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

function post(bearer: string, body: unknown, sessionId?: string): Promise<Response> {
  return fetch(harness!.url, {
    method: "POST",
    headers: { ...HEADERS, authorization: `Bearer ${bearer}`, ...(sessionId && { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-03-26" }) },
    body: JSON.stringify(body),
  });
}

/** A 2025-03-26 session (the protocol revision that still had JSON-RPC batches). */
async function legacySession(token: string): Promise<string> {
  const opened = await post(token, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "batcher", version: "1" } },
  });
  expect(opened.status).toBe(200);
  const id = opened.headers.get("mcp-session-id");
  await opened.text();
  expect(id).toBeTruthy();
  const initialized = await post(token, { jsonrpc: "2.0", method: "notifications/initialized" }, id!);
  await initialized.text();
  return id!;
}

test("a batch of 100 tools/call under a 20/min limit runs at most 20 calls and bans the token", async () => {
  harness = await httpHarness({ configToml: "[messaging]\nrate_limit_per_minute = 20\nrate_ban_seconds = 120\n" });
  const alice = await harness.agent("alice");
  await harness.agent("bob");
  const session = await legacySession(alice);
  const batch = Array.from({ length: 100 }, (_, i) => ({
    jsonrpc: "2.0",
    id: i + 1,
    method: "tools/call",
    params: { name: "send_message", arguments: { to: "bob", content: `batched ${i}`, idempotency_key: `k${i}` } },
  }));
  const answer = await post(alice, batch, session);
  await answer.text();
  // The effect: how many messages actually reached bob.
  const bobs = await harness.as("agent:bob@team").ok<{ messages: unknown[] }>("recall", { limit: 100 });
  expect(bobs.messages.length).toBeLessThanOrEqual(20);
  expect(answer.status).toBe(429);
  // And the token is banned for later single requests too.
  const after = await post(alice, { jsonrpc: "2.0", id: 500, method: "ping" }, session);
  expect(after.status).toBe(429);
  expect(Number(after.headers.get("retry-after"))).toBeGreaterThan(0);
});

test("batches within the limit still work, and each message counts", async () => {
  harness = await httpHarness({ configToml: "[messaging]\nrate_limit_per_minute = 20\nrate_ban_seconds = 120\n" });
  const alice = await harness.agent("alice");
  const session = await legacySession(alice); // 2 requests
  const pings = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ jsonrpc: "2.0", id: from + i, method: "ping" }));
  const first = await post(alice, pings(10, 1), session); // 12
  expect(first.status).toBe(200);
  await first.text();
  const second = await post(alice, pings(8, 100), session); // 20: still allowed
  expect(second.status).toBe(200);
  await second.text();
  const third = await post(alice, pings(2, 200), session); // 22: over
  expect(third.status).toBe(429);
});
