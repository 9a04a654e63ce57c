/**
 * Finding 11 (HTTP): 2025-era sessions (Mcp-Session-Id) are capped. Through the real binary:
 * 256 sessions (MAX_LEGACY_SESSIONS) open, the 257th is refused with 503 and a next step, the open ones keep working,
 * and closing one makes room again.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { MAX_LEGACY_SESSIONS as CAP } from "../../src/http/mcp-endpoint.ts";
import { removeTempDirs, startTestServer, type TestServer } from "../support/patchbay.ts";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const LEGACY = "2025-06-18";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(removeTempDirs);

/** A 2025-era initialize, which opens a session when there is room. */
function initializeRequest(url: string, clientName: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: clientName, version: "1" } },
    }),
  });
}

async function initialize(url: string): Promise<Response> {
  const response = await initializeRequest(url, "opener");
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
