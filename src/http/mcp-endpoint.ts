import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type JSONRPCMessage,
  WebStandardStreamableHTTPServerTransport,
  type Server,
} from "@modelcontextprotocol/server";
import { buildMcpServer, createSession, type AppServices, type SessionScope, type SessionState, type ToolMode, type ToolRegistry } from "../mcp/index.ts";
import { createMemoryEventStore, type SessionEventStore } from "./event-store.ts";
import type { NarrowedSession } from "./guards.ts";
import { withSsePrefix } from "./sse-flush.ts";
import { rpcErrorResponse } from "./responses.ts";

export interface McpEndpointOptions {
  host: AppServices;
  registry: ToolRegistry;
  /** What HTTP callers may touch: the server's own roots and power switches. */
  scope: SessionScope;
  defaultMode: ToolMode;
  /** Nobody chose defaultMode: a session's catalog may add what its repository needs (SessionState.modeIsDefault). */
  defaultModeIsDefault?: boolean;
  maxRequestBytes: number;
  sessionIdleMs: number;
}

/**
 * 2025-era sessions open at once, at most. Each holds a server and a transport in memory until
 * DELETE or server.session_idle_seconds; past the cap a new one is refused with 503 (never an
 * open one evicted: it may be waiting on a long tool call).
 */
export const MAX_LEGACY_SESSIONS = 256;

/** The SSE `retry` hint: how long a client waits before resuming a stream the server closed. */
export const RESUME_RETRY_MS = 1000;

/** The first protocol version whose clients resume streams (SSE events with empty data). */
const RESUMABLE_VERSION = "2025-11-25";

interface LegacySession {
  /** The principal, or the OAuth grant's key for a narrowed operator: only the same caller may use it. */
  key: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  state: SessionState;
  events: SessionEventStore;
  lastSeen: number;
}

export interface McpEndpoint {
  /**
   * Serves one `/mcp` request that already passed the guards; `body` is the capped, read body of a
   * POST; `narrowed` gives an OAuth operator grant its own sessions, mode and power.
   */
  handle(request: Request, principal: string, body?: unknown, narrowed?: NarrowedSession): Promise<Response>;
  sessionCount(): number;
  close(): Promise<void>;
}

/**
 * `/mcp` for both protocol eras. 2026-07-28 clients go to the SDK's stateless handler, with
 * tool modes kept per authenticated principal (that era has no sessions). 2025-era clients get
 * real `Mcp-Session-Id` sessions, because the SDK's own legacy fallback is stateless: no GET
 * stream, no list_changed, no per-session mode.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const { host, registry, scope, defaultMode, maxRequestBytes } = options;
  const legacySessions = new Map<string, LegacySession>();
  const principals = new Map<string, SessionState>();

  const modern = createMcpHandler(
    (ctx) =>
      buildMcpServer(host, registry, principalSession(ctx.authInfo?.token ?? "local", ctx.authInfo?.extra?.narrowed as NarrowedSession | undefined), {
        announcesModeChanges: false,
      }),
    { legacy: "reject", maxRequestBodySize: maxRequestBytes },
  );

  function newSession(principal: string, narrowed: NarrowedSession | undefined): SessionState {
    if (!narrowed) return createSession({ transport: "http", principal, mode: defaultMode, modeIsDefault: options.defaultModeIsDefault, scope });
    return createSession({ transport: "http", principal, mode: narrowed.mode, scope: { ...scope, power: narrowed.power } });
  }

  function principalSession(principal: string, narrowed: NarrowedSession | undefined): SessionState {
    const key = narrowed?.key ?? principal;
    let state = principals.get(key);
    if (!state) {
      state = newSession(principal, narrowed);
      // Modern list changes travel on subscriptions/listen streams, which the handler owns.
      state.onModeChange = () => modern.notify.toolsChanged();
      principals.set(key, state);
    }
    return state;
  }

  // Sessions whose initialize is still being answered count too: a burst cannot slip past the cap.
  let opening = 0;

  async function openLegacySession(request: Request, principal: string, body: unknown, narrowed: NarrowedSession | undefined): Promise<Response> {
    if (!isInitializeRequest(body)) return rpcErrorResponse(400, -32000, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    if (legacySessions.size + opening >= MAX_LEGACY_SESSIONS) {
      return rpcErrorResponse(
        503,
        -32000,
        `Service Unavailable: ${MAX_LEGACY_SESSIONS} sessions are open, the most this server keeps; close unused ones (DELETE /mcp with their Mcp-Session-Id) or wait until idle ones expire (server.session_idle_seconds)`,
        { "Retry-After": "60" },
      );
    }
    opening++;
    try {
      return await startLegacySession(request, principal, body, narrowed);
    } finally {
      opening--;
    }
  }

  async function startLegacySession(request: Request, principal: string, body: unknown, narrowed: NarrowedSession | undefined): Promise<Response> {
    const state = newSession(principal, narrowed);
    const key = narrowed?.key ?? principal;
    const server = buildMcpServer(host, registry, state, { announcesModeChanges: true });
    const { resume_events, resume_seconds } = host.config.server;
    const events = createMemoryEventStore({ maxEvents: resume_events, maxAgeMs: resume_seconds * 1000 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: maxRequestBytes,
      eventStore: events,
      retryInterval: RESUME_RETRY_MS,
      onsessioninitialized: (id) => void legacySessions.set(id, { key, transport, server, state, events, lastSeen: Date.now() }),
      onsessionclosed: (id) => void legacySessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) legacySessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  }

  async function legacy(request: Request, principal: string, body: unknown, narrowed: NarrowedSession | undefined): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    if (!sessionId) {
      if (request.method !== "POST") return rpcErrorResponse(400, -32000, "Bad Request: Mcp-Session-Id header is required");
      return openLegacySession(request, principal, body, narrowed);
    }
    const session = legacySessions.get(sessionId);
    // A session belongs to the principal that opened it: another token cannot ride on its id.
    if (!session || session.key !== (narrowed?.key ?? principal))
      return rpcErrorResponse(404, -32001, "Session not found: it expired or the server restarted; initialize a new session");
    session.lastSeen = Date.now();
    const lastEventId = request.method === "GET" ? request.headers.get("last-event-id") : null;
    if (lastEventId) return resume(session, request, lastEventId);
    return session.transport.handleRequest(asNegotiated(request, session.server), body === undefined ? undefined : { parsedBody: body });
  }

  /** A GET with Last-Event-ID: the missed events and the stream again, or 410 when they are gone. */
  async function resume(session: LegacySession, request: Request, lastEventId: string): Promise<Response> {
    const expired = async () => expiredResume(host.config.server, await session.events.answerOf(lastEventId));
    if (!(await session.events.canResume(lastEventId))) return expired();
    const primingId = await session.events.primeAgain(lastEventId);
    const response = await session.transport.handleRequest(request);
    // The SDK answers 500 when the event expired between the check above and its replay.
    if (response.status === 500 && !(await session.events.canResume(lastEventId))) return expired();
    return primeResumed(response, primingId);
  }

  // Hosts rarely send DELETE, so idle 2025-era sessions are closed after server.session_idle_seconds.
  const evictor = setInterval(
    () => {
      const cutoff = Date.now() - options.sessionIdleMs;
      for (const [id, session] of legacySessions) {
        if (session.lastSeen >= cutoff) continue;
        legacySessions.delete(id);
        void session.server.close().catch(() => {});
      }
    },
    Math.min(60_000, options.sessionIdleMs),
  );
  (evictor as { unref?: () => void }).unref?.();

  return {
    async handle(request, principal, body, narrowed) {
      if (await isLegacyRequest(request, body, { maxRequestBodySize: maxRequestBytes })) return legacy(request, principal, body, narrowed);
      const authInfo = { token: principal, clientId: narrowed?.key ?? principal, scopes: [], extra: { narrowed } };
      return modern.fetch(request, { parsedBody: body, authInfo });
    },
    sessionCount: () => legacySessions.size + principals.size,
    async close() {
      clearInterval(evictor);
      const closing = [...legacySessions.values()].map((session) => session.server.close().catch(() => {}));
      legacySessions.clear();
      await Promise.all(closing);
      await modern.close();
    },
  };
}

/**
 * A resume from an event the session no longer keeps is answered at once: with the call's answer
 * while that is still kept, with an error answer for the call once it expired too (so the
 * client's pending call fails now, not at its timeout), or 410 when the stream held no answer.
 */
function expiredResume(
  settings: { resume_events: number; resume_seconds: number },
  found: { answer: JSONRPCMessage } | { lostId: string | number } | undefined,
): Response {
  const message = `the events after this Last-Event-ID expired (a session keeps its last ${settings.resume_events} events for ${settings.resume_seconds} seconds: server.resume_events, server.resume_seconds); call the tool again, and for a job read its result with codex_get_result`;
  if (found === undefined) return rpcErrorResponse(410, -32000, `Gone: ${message}`);
  const answer =
    "answer" in found ? found.answer : { jsonrpc: "2.0", id: found.lostId, error: { code: -32000, message: `The answer to this call is gone: ${message}` } };
  return new Response(`event: message\ndata: ${JSON.stringify(answer)}\n\n`, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

/**
 * A resumed stream starts with a priming event of its own (and the retry hint). SDK clients keep
 * a resumption token per stream, from that stream's own events only: a resumed stream the server
 * closes again before any event (server.sse_poll_seconds) would otherwise leave the client
 * resuming from nothing, and lose the call. The replayed events follow with their older ids, so
 * the client's token ends at the last event it really saw.
 */
function primeResumed(response: Response, primingId: string): Response {
  if (!response.ok) return response;
  return withSsePrefix(response, new TextEncoder().encode(`id: ${primingId}\nretry: ${RESUME_RETRY_MS}\ndata: \n\n`));
}

/**
 * The SDK decides from a request's MCP-Protocol-Version header whether its stream is resumable
 * (a priming event, a retry hint); a client that negotiated 2025-11-25 but names an older
 * version there (the conformance suite's client does) would lose that. The session's negotiated
 * version is the one that holds, so the request is passed on under it.
 */
function asNegotiated(request: Request, server: Server): Request {
  const negotiated = server.getNegotiatedProtocolVersion();
  const named = request.headers.get("mcp-protocol-version");
  if (request.method !== "POST" || !negotiated || negotiated < RESUMABLE_VERSION || !named || named >= RESUMABLE_VERSION) return request;
  const headers = new Headers(request.headers);
  headers.set("mcp-protocol-version", negotiated);
  // The body was read already (the parsed body goes along), so only the head is copied.
  return new Request(request.url, { method: request.method, headers, signal: request.signal });
}
