/**
 * A 2025-era session over plain fetch, for the red-team resume tests: the exact headers, tokens
 * and Last-Event-IDs an attacker would send, which the SDK's clients never do.
 */
import { expect } from "bun:test";

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
const bearer = (token: string) => ({ ...JSON_HEADERS, ...(token && { authorization: `Bearer ${token}` }) });

/** initialize + initialized as the caller of `token` ("" for the local caller); the session id. */
export async function openSession(url: string, token: string): Promise<string> {
  const params = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } };
  const init = await fetch(url, { method: "POST", headers: bearer(token), body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params }) });
  expect(init.status).toBe(200);
  const id = init.headers.get("mcp-session-id")!;
  await init.text();
  const headers = { ...bearer(token), "mcp-session-id": id };
  await (await fetch(url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })).text();
  return id;
}

/** codex_read_file of a.txt in session `id` as `token`: the HTTP status, the body, and the id of its stream's first event. */
export async function readCall(url: string, id: string, token: string, requestId: number) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: requestId, method: "tools/call", params: { name: "codex_read_file", arguments: { file_path: "a.txt" } } });
  const response = await fetch(url, { method: "POST", headers: { ...bearer(token), "mcp-session-id": id }, body });
  const text = await response.text();
  return { status: response.status, text, eventId: /^id: (.+)$/m.exec(text)?.[1] };
}

/** A GET resuming session `id`'s stream from `lastEventId`, as `token`. */
export function resumeFrom(url: string, id: string, token: string, lastEventId: string): Promise<Response> {
  return fetch(url, { headers: { ...bearer(token), accept: "text/event-stream", "mcp-session-id": id, "last-event-id": lastEventId } });
}

/** A DELETE of session `id` as `token`. */
export function deleteSession(url: string, id: string, token: string): Promise<Response> {
  return fetch(url, { method: "DELETE", headers: { ...bearer(token), "mcp-session-id": id } });
}
