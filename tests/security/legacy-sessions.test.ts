/**
 * Finding 11 (HTTP): 2025-era sessions (Mcp-Session-Id) are capped. Through the real binary:
 * 256 sessions (MAX_LEGACY_SESSIONS) open, the 257th is refused with 503 and a next step, the open ones keep working,
 * and closing one makes room again. An agent's messaging token holds at most its own share, and
 * agents together leave the operator a reserve, so no agent can shut the operator out.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { MAX_LEGACY_SESSIONS as CAP, MAX_SESSIONS_PER_AGENT, OPERATOR_SESSION_RESERVE } from "../../src/http/mcp-endpoint.ts";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer } from "../support/patchbay.ts";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const LEGACY = "2025-06-18";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(removeTempDirs);

/** A 2025-era initialize, which opens a session when there is room; `token`: an agent's. */
function initializeRequest(url: string, clientName: string, token?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: token ? { ...HEADERS, authorization: `Bearer ${token}` } : HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: clientName, version: "1" } },
    }),
  });
}

async function initialize(url: string, token?: string): Promise<Response> {
  const response = await initializeRequest(url, "opener", token);
  await response.text();
  return response;
}

function ping(url: string, sessionId: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": LEGACY },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
  });
}

test("the session after the cap is refused with 503; open sessions keep working; a closed one frees a place", async () => {
  server = await startTestServer();
  const url = server.url;
  const ids: string[] = [];
  for (let i = 0; i < CAP; i += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, CAP - i) }, () => initialize(url)));
    for (const opened of batch) {
      expect(opened.status).toBe(200);
      ids.push(opened.headers.get("mcp-session-id")!);
    }
  }
  expect(new Set(ids).size).toBe(CAP);

  const refused = await initializeRequest(url, "one-too-many");
  expect(refused.status).toBe(503);
  expect(refused.headers.get("mcp-session-id")).toBeNull();
  const body = (await refused.json()) as { error: { message: string } };
  expect(body.error.message).toContain("DELETE /mcp");

  // The oldest session was not evicted to make room.
  const first = await ping(url, ids[0]!);
  expect(first.status).toBe(200);
  await first.text();

  const closed = await fetch(url, { method: "DELETE", headers: { "mcp-session-id": ids[0]!, "mcp-protocol-version": LEGACY } });
  expect(closed.status).toBe(200);
  expect((await initialize(url)).status).toBe(200);
});

test("an agent token holds at most its share of sessions, and agents together leave the operator its reserve", async () => {
  server = await startTestServer();
  const { url, home } = server;
  const agents = (CAP - OPERATOR_SESSION_RESERVE) / MAX_SESSIONS_PER_AGENT;
  const tokens: string[] = [];
  for (let agent = 0; agent <= agents; agent++) {
    const added = await runPatchbay(["token", "add", `flooder${agent}`, "--namespace", "team", "--json"], { home });
    expect(added.code, added.stderr).toBe(0);
    tokens.push((JSON.parse(added.stdout) as { token: string }).token);
  }
  for (const token of tokens.slice(0, agents)) {
    const opened = await Promise.all(Array.from({ length: MAX_SESSIONS_PER_AGENT }, () => initialize(url, token)));
    expect(opened.map((response) => response.status)).toEqual(Array(MAX_SESSIONS_PER_AGENT).fill(200));
    // One more from the same token: its share is full.
    const over = await initializeRequest(url, "one-more", token);
    expect(over.status).toBe(503);
    expect(((await over.json()) as { error: { message: string } }).error.message).toContain(`holds ${MAX_SESSIONS_PER_AGENT} sessions`);
  }
  // A fresh agent finds the agents' part full; the operator still opens every session of its reserve.
  const fresh = await initializeRequest(url, "fresh", tokens[agents]);
  expect(fresh.status).toBe(503);
  await fresh.text();
  const operator = await Promise.all(Array.from({ length: OPERATOR_SESSION_RESERVE }, () => initialize(url)));
  expect(operator.map((response) => response.status)).toEqual(Array(OPERATOR_SESSION_RESERVE).fill(200));
  expect((await initialize(url)).status).toBe(503);
}, 120_000);
