import { createHash, timingSafeEqual } from "node:crypto";
import { hostHeaderValidationResponse, originValidationResponse } from "@modelcontextprotocol/server";
import type { SessionScope, ToolMode } from "../mcp/index.ts";
import { rpcErrorResponse } from "./responses.ts";

/** The session an OAuth operator grant opens: keyed by the grant, its own mode, power capped by the server's. */
export interface NarrowedSession {
  key: string;
  mode: ToolMode;
  power: SessionScope["power"];
}

/** A guard answers a request it refuses; `undefined` lets the request through. */
export type Guard = (request: Request) => Response | undefined;

/**
 * DNS-rebinding protection: the Host header must name this server and a present Origin must be
 * an allowed one. Ports are ignored; `Origin: null` is refused (sandboxed frames send it).
 */
export function originGuard(allowedHosts: string[], allowedOrigins: string[]): Guard {
  return (request) => hostHeaderValidationResponse(request, allowedHosts) ?? originValidationResponse(request, allowedOrigins);
}

export interface AuthSettings {
  /** `undefined` when no token is configured: then only loopback binds are allowed (checked at start). */
  token?: string;
  allowQueryToken: boolean;
  /** OAuth access tokens for web hosts (src/oauth), when served. */
  oauth?: OAuthTokens;
}

/** Who a request is: a principal, and for a narrowed OAuth operator grant its own sessions, mode and power. */
export interface Caller {
  principal: string;
  session?: NarrowedSession;
}

/** The HTTP layer's view of src/oauth: which bearers are OAuth access tokens, who they are, where discovery starts. */
export interface OAuthTokens {
  prefix: string;
  verify(token: string, calls?: number): Promise<Caller | { banned: number } | undefined>;
  resourceMetadataUrl(request: Request): string | undefined;
}

export const QUERY_TOKEN_PARAM = "patchbay_token";

// Hashing first makes the comparison constant-time even when the lengths differ.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The 401 challenge; with OAuth served it names the protected-resource metadata (RFC 9728 §5.1), where a client's sign-in starts. */
export function bearerChallenge(request: Request, auth: AuthSettings, error?: string): string {
  const metadata = auth.oauth?.resourceMetadataUrl(request);
  return `Bearer realm="patchbay"${error ? `, error="${error}"` : ""}${metadata ? `, resource_metadata="${metadata}"` : ""}`;
}

/** Who a request authenticated as, or the refusal. Never echoes the presented token. */
export function authenticate(request: Request, auth: AuthSettings): Caller | Response {
  if (auth.token === undefined) return { principal: "local" };
  const unauthorized = (message: string) => rpcErrorResponse(401, -32001, message, { "WWW-Authenticate": bearerChallenge(request, auth) });
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) return unauthorized("Unauthorized: the Authorization header must be `Bearer <token>`");
    return sameSecret(match[1], auth.token) ? { principal: "operator" } : unauthorized("Unauthorized: wrong token");
  }
  const queryToken = new URL(request.url).searchParams.get(QUERY_TOKEN_PARAM);
  if (queryToken !== null) {
    if (!auth.allowQueryToken)
      return unauthorized(`Unauthorized: tokens in the URL are turned off (auth.allow_query_token); send an Authorization: Bearer header`);
    return sameSecret(queryToken, auth.token) ? { principal: "operator" } : unauthorized("Unauthorized: wrong token");
  }
  return unauthorized("Unauthorized: this server needs a token (Authorization: Bearer <token>)");
}

/**
 * Reads a body up to `maxBytes` and refuses anything larger with 413 without reading it whole:
 * a declared Content-Length over the cap is refused before any byte is read, and a chunked body
 * stops being read at the first byte past the cap.
 */
export async function readCappedBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | Response> {
  const tooLarge = () => rpcErrorResponse(413, -32000, `Payload Too Large: request bodies are limited to ${maxBytes} bytes (server.max_request_bytes)`);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) return tooLarge();
  if (!request.body) return new Uint8Array();
  // A declared length bounds the body (what follows is the next request), unless chunked framing overrides it: read it in one native call.
  if (declared >= 0 && !request.headers.has("transfer-encoding")) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
