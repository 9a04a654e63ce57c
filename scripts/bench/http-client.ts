/**
 * A 2025-era Streamable HTTP session driven with plain `fetch` (keep-alive is the default in
 * Bun and Node), the way a host's HTTP client talks to `/mcp`.
 */
import { INITIALIZE_PARAMS } from "./rpc.ts";

const BASE_HEADERS = { accept: "application/json, text/event-stream", "content-type": "application/json" };
// One deadline for a whole session rather than a timer per request, which would add to every sample.
const SESSION_TIMEOUT_MS = 120_000;

/** The JSON-RPC reply in a response that is either plain JSON or an SSE stream of `data:` lines. */
async function replyOf(response: Response, id: number): Promise<unknown> {
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const text = await response.text();
  const documents = response.headers.get("content-type")?.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        // A resumable stream opens with a priming event whose data is empty.
        .filter((data) => data.length > 0)
    : [text];
  for (const document of documents) {
    const message = JSON.parse(document) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id !== id) continue; // a notification sent ahead of the reply
    if (message.error) throw new Error(`JSON-RPC error: ${message.error.message}`);
    return message.result;
  }
  throw new Error(`no reply to request ${id} in: ${text.slice(0, 200)}`);
}

export class HttpMcpSession {
  private nextId = 1;

  private constructor(
    private readonly url: string,
    private readonly sessionId: string,
    private readonly signal: AbortSignal,
  ) {}

  /** initialize → take `mcp-session-id` → notifications/initialized. */
  static async open(url: string): Promise<HttpMcpSession> {
    const signal = AbortSignal.timeout(SESSION_TIMEOUT_MS);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: INITIALIZE_PARAMS });
    const response = await fetch(url, { method: "POST", headers: BASE_HEADERS, body, signal });
    const sessionId = response.headers.get("mcp-session-id");
    await replyOf(response, 0);
    if (!sessionId) throw new Error(`${url} opened no session (no mcp-session-id header)`);
    const session = new HttpMcpSession(url, sessionId, signal);
    const initialized = await fetch(url, {
      method: "POST",
      headers: session.headers(),
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      signal,
    });
    if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
    await initialized.body?.cancel();
    return session;
  }

  async request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    const response = await fetch(this.url, {
      method: "POST",
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
      signal: this.signal,
    });
    return replyOf(response, id);
  }

  /** Ends the session on the server, as a well-behaved host does. */
  async close(): Promise<void> {
    const response = await fetch(this.url, { method: "DELETE", headers: this.headers(), signal: this.signal });
    await response.body?.cancel();
  }

  private headers(): Record<string, string> {
    return { ...BASE_HEADERS, "mcp-session-id": this.sessionId, "mcp-protocol-version": INITIALIZE_PARAMS.protocolVersion };
  }
}
