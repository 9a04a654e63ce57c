/**
 * Re-creating on this server a 2025-era session another server of the team opened
 * (state.driver "redis"). The SDK's transport has no API to bind an existing session id, so the
 * session is opened the supported way: a transport whose `sessionIdGenerator` gives the recorded
 * id, handed the session's own initialize request (its recorded params: protocol version, client
 * capabilities and info) and `notifications/initialized`. The SDK server then negotiates the same
 * version and keeps the same client capabilities as on the first server, with no private field
 * touched. A level the client set with `logging/setLevel` is replayed the same way, since the SDK
 * keeps it per transport. The replayed answers are read and dropped: the client had them from the
 * first server.
 */
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { SessionRecord } from "./session-team.ts";

/** The id of the replayed initialize request; its answer reaches no client. */
const REPLAY_ID = "patchbay-session-adopt";

export async function replayInitialize(transport: WebStandardStreamableHTTPServerTransport, record: SessionRecord, url: string): Promise<void> {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const initialize = { jsonrpc: "2.0", id: REPLAY_ID, method: "initialize", params: record.initialize };
  const answer = await transport.handleRequest(new Request(url, { method: "POST", headers }), { parsedBody: initialize });
  const text = await answer.text();
  if (!answer.ok || !text.includes('"result"')) {
    throw new Error(`re-creating session ${record.id} failed: ${answer.status} ${text.slice(0, 200)}`);
  }
  const inSession = () => new Request(url, { method: "POST", headers: { ...headers, "mcp-session-id": record.id } });
  await transport.handleRequest(inSession(), { parsedBody: { jsonrpc: "2.0", method: "notifications/initialized" } });
  if (!record.logLevel) return;
  const setLevel = { jsonrpc: "2.0", id: `${REPLAY_ID}-level`, method: "logging/setLevel", params: { level: record.logLevel } };
  await (await transport.handleRequest(inSession(), { parsedBody: setLevel })).text();
}
