import { Elysia } from "elysia";
import { authenticateRequest, chargeBatch, type AgentTokens } from "./agent-auth.ts";
import { serveAttachment, type AttachmentFiles } from "./attachments.ts";
import { readCappedBody, type AuthSettings, type Guard } from "./guards.ts";
import type { McpEndpoint } from "./mcp-endpoint.ts";
import { rpcErrorResponse } from "./responses.ts";

export interface HttpAppOptions {
  version: string;
  endpoint: McpEndpoint;
  originGuard: Guard;
  auth: AuthSettings;
  maxRequestBytes: number;
  /** Origins that get CORS headers; empty means CORS is off (server.enable_cors). */
  corsOrigins: string[] | undefined;
  /** What `/status` answers this request's caller (`principal`: what it may see; its URLs as it reaches the server). */
  status: (request: Request, principal: string) => Promise<unknown>;
  /** Called once per answered request (logging.access_log); never given the query string, which may hold a token. */
  onAccess?: (line: string) => void;
  /** Agent messaging: agent bearer tokens on `/mcp` and `/status`, and the signed `/attachments/...` routes. */
  messaging?: { tokens: AgentTokens; attachments: AttachmentFiles };
  /** The OAuth authorization server's routes (`/oauth/…`, `/.well-known/oauth-…`); its tokens go in `auth.oauth`. */
  oauthRoutes?: (request: Request) => Promise<Response> | undefined;
  /** The board's routes (`/board`, `/board/…`, src/board), which do their own login. */
  board?: (request: Request) => Promise<Response>;
}

const MCP_METHODS = ["GET", "POST", "DELETE"];
/** The board's login form and actions are a few hundred bytes; what the board action route allows is 256 KiB. */
const BOARD_MAX_BODY_BYTES = 256 * 1024;

function withCors(response: Response, request: Request, corsOrigins: string[] | undefined): Response {
  const origin = request.headers.get("origin");
  if (!corsOrigins || !origin) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-allow-headers", "authorization, content-type, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id");
  headers.set("access-control-allow-methods", MCP_METHODS.join(", "));
  headers.set("access-control-expose-headers", "mcp-session-id, www-authenticate");
  headers.set("vary", "origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const utf8 = new TextDecoder();

/** The body as JSON, or the JSON-RPC parse error every MCP client understands. */
function parseJson(bytes: Uint8Array): { value: unknown } | Response {
  try {
    return { value: JSON.parse(utf8.decode(bytes)) };
  } catch {
    return rpcErrorResponse(400, -32700, "Parse error: the request body is not valid JSON");
  }
}

/**
 * The HTTP face: `/mcp`, `/status` and `/health`. Guards run in a fixed order, cheapest and
 * most specific first: Host/Origin (403), method (405), auth (401), size (413), JSON (400).
 * `/mcp` is registered with `parse: 'none'` so Elysia never touches the body the SDK reads.
 */
export function createHttpApp(options: HttpAppOptions): { fetch: (request: Request) => Promise<Response> } {
  const { endpoint, originGuard, auth, corsOrigins } = options;

  async function mcp(request: Request): Promise<Response> {
    const refused = originGuard(request);
    if (refused) return refused;
    if (request.method === "OPTIONS" && corsOrigins) return withCors(new Response(null, { status: 204 }), request, corsOrigins);
    if (!MCP_METHODS.includes(request.method)) return new Response(null, { status: 405, headers: { allow: MCP_METHODS.join(", ") } });
    const who = await authenticateRequest(request, auth, options.messaging?.tokens);
    if (who instanceof Response) return who;
    if (request.method !== "POST") return withCors(await endpoint.handle(request, who.principal, undefined, who.session), request, corsOrigins);
    const bytes = await readCappedBody(request, options.maxRequestBytes);
    if (bytes instanceof Response) return bytes;
    const parsed = parseJson(bytes);
    if (parsed instanceof Response) return parsed;
    const overLimit = await chargeBatch(request, auth, options.messaging?.tokens, parsed.value);
    if (overLimit) return overLimit;
    // The body is spent, but nothing reads it again: the SDK takes the parsed body (parsedBody) and tools read only headers.
    return withCors(await endpoint.handle(request, who.principal, parsed.value, who.session), request, corsOrigins);
  }

  async function attachments(request: Request): Promise<Response> {
    const refused = originGuard(request);
    if (refused) return refused;
    if (!options.messaging) return new Response(null, { status: 404 });
    return serveAttachment(request, options.messaging.attachments);
  }

  async function status(request: Request): Promise<Response> {
    const refused = originGuard(request);
    if (refused) return refused;
    const who = await authenticateRequest(request, auth, options.messaging?.tokens);
    if (who instanceof Response) return who;
    return Response.json(await options.status(request, who.principal));
  }

  async function oauth(request: Request): Promise<Response> {
    const refused = originGuard(request);
    if (refused) return refused;
    return (await options.oauthRoutes?.(request)) ?? new Response(null, { status: 404 });
  }

  async function board(request: Request): Promise<Response> {
    const refused = originGuard(request);
    if (refused) return refused;
    if (!options.board) return new Response(null, { status: 404 });
    if (request.method !== "POST") return options.board(request);
    // Board forms and actions are small: a body is read only up to the cap, chunked or not, and handed on buffered.
    const body = await readCappedBody(request, BOARD_MAX_BODY_BYTES);
    if (body instanceof Response) return body;
    return options.board(new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal }));
  }

  const app = new Elysia()
    .get("/health", () => Response.json({ ok: true, name: "patchbay", version: options.version }))
    .get("/status", ({ request }) => status(request))
    .all("/mcp", ({ request }) => mcp(request), { parse: "none" })
    .all("/attachments/*", ({ request }) => attachments(request), { parse: "none" })
    .all("/oauth/*", ({ request }) => oauth(request), { parse: "none" })
    .all("/.well-known/*", ({ request }) => oauth(request), { parse: "none" })
    .all("/board", ({ request }) => board(request), { parse: "none" })
    .all("/board/*", ({ request }) => board(request), { parse: "none" })
    // The 2024 SSE transport is gone; say so instead of answering 404.
    .all("/sse", () => rpcErrorResponse(410, -32000, "Gone: the SSE transport was replaced by Streamable HTTP at /mcp"));
  const { onAccess } = options;
  if (!onAccess) return { fetch: async (request) => app.fetch(request) };
  return {
    async fetch(request) {
      const started = performance.now();
      const response = await app.fetch(request);
      onAccess(`${request.method} ${new URL(request.url).pathname} ${response.status} ${(performance.now() - started).toFixed(1)}ms`);
      return response;
    },
  };
}
