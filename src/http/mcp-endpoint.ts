import { createMcpHandler, isInitializeRequest, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type Server } from "@modelcontextprotocol/server";
import { buildMcpServer, createSession, type AppServices, type SessionScope, type SessionState, type ToolMode, type ToolRegistry } from "../mcp/index.ts";
import type { SessionEventStore } from "./event-store.ts";
import { createMemoryEventStore } from "./event-store-memory.ts";
import { createRedisEventStore, withPostedRequests, type SharedEventStore } from "./event-store-redis.ts";
import type { NarrowedSession } from "./guards.ts";
import { rpcErrorResponse } from "./responses.ts";
import { expiredResume, primeResumed, RESUME_RETRY_MS } from "./resume-answers.ts";
import { flushSseHeaders } from "./sse-flush.ts";
import { replayInitialize } from "./session-adopt.ts";
import { evictIdleSessions } from "./session-eviction.ts";
import { followCall } from "./session-follow.ts";
import { createSessionTeam, followSharedRecord, keepModeInRecord, restoreFromRecord, type SessionRecord } from "./session-team.ts";

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
/**
 * Sessions one agent token may hold at once, and what agents together leave to the operator: a
 * messaging token (rate-limited per call, not per session) must not fill the cap and shut out the
 * person who runs the server.
 */
export const MAX_SESSIONS_PER_AGENT = 16;
export const OPERATOR_SESSION_RESERVE = 64;

/** A session opened with an agent's messaging token (messaging's `agentPrincipal`). */
const isAgentPrincipal = (principal: string) => principal.startsWith("agent:");

/** Sessions closed by DELETE, announced to every server of the team (their ids). */
const SESSION_CLOSED_TOPIC = "http-session-closed";

/** The answer a call gets when its session closes here before it answered (a client may follow it from another server). */
const SESSION_CLOSED_MESSAGE =
  "The patchbay server running this call closed the session before answering (idle past server.session_idle_seconds, deleted, or the server stopped): " +
  "call the tool again; a job it started may still be recorded, check it with codex_get_status or codex_get_result";

/** The URL of the requests that re-create a session here (they never leave the process). */
const REPLAY_URL = "http://patchbay.invalid/mcp";

/** The first protocol version whose clients resume streams (SSE events with empty data). */
const RESUMABLE_VERSION = "2025-11-25";

interface LegacySession {
  /** The principal, or the OAuth grant's key for a narrowed operator: only the same caller may use it. */
  key: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  state: SessionState;
  events: SessionEventStore;
  /** With state.driver "redis": the same store, read by a resume of a call run elsewhere, and the session's record. */
  shared?: { events: SharedEventStore; record: SessionRecord; followRecord: (latest: SessionRecord) => void };
  lastSeen: number;
}

export interface McpEndpoint {
  /**
   * Serves one `/mcp` request that already passed the guards; `body` is the capped, read body of a
   * POST; `narrowed` gives an OAuth operator grant its own sessions, mode and power. An SSE
   * answer's headers leave at once: its first event is a priming event or an SSE comment.
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

  // Sessions whose initialize is still being answered count too (by principal): a burst cannot slip past the cap.
  const opening = new Map<string, number>();
  const held = (counts: (principal: string) => boolean) => {
    let count = 0;
    for (const session of legacySessions.values()) if (counts(session.state.principal)) count++;
    for (const [principal, pending] of opening) if (counts(principal)) count += pending;
    return count;
  };
  const unavailable = (why: string) =>
    rpcErrorResponse(
      503,
      -32000,
      `Service Unavailable: ${why}; close unused ones (DELETE /mcp with their Mcp-Session-Id) or wait until idle ones expire (server.session_idle_seconds)`,
      { "Retry-After": "60" },
    );
  const atCapacity = (principal: string) => {
    if (held(() => true) >= MAX_LEGACY_SESSIONS) return unavailable(`${MAX_LEGACY_SESSIONS} sessions are open, the most this server keeps`);
    if (!isAgentPrincipal(principal)) return undefined;
    if (held((each) => each === principal) >= MAX_SESSIONS_PER_AGENT)
      return unavailable(`this agent token holds ${MAX_SESSIONS_PER_AGENT} sessions, the most one agent may`);
    if (held(isAgentPrincipal) >= MAX_LEGACY_SESSIONS - OPERATOR_SESSION_RESERVE)
      return unavailable(`agents hold ${MAX_LEGACY_SESSIONS - OPERATOR_SESSION_RESERVE} sessions, the most they share`);
    return undefined;
  };

  async function openLegacySession(request: Request, principal: string, body: unknown, narrowed: NarrowedSession | undefined): Promise<Response> {
    if (!isInitializeRequest(body)) return rpcErrorResponse(400, -32000, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    const full = atCapacity(principal);
    if (full) return full;
    opening.set(principal, (opening.get(principal) ?? 0) + 1);
    try {
      const now = new Date().toISOString();
      const record = { id: crypto.randomUUID(), identity: narrowed?.key ?? principal, initialize: body.params, createdAt: now, lastSeen: now };
      const session = await connectLegacySession(principal, narrowed, record);
      return await session.transport.handleRequest(request, { parsedBody: body });
    } finally {
      const left = (opening.get(principal) ?? 1) - 1;
      if (left) opening.set(principal, left);
      else opening.delete(principal);
    }
  }

  /** The team's shared sessions and streams, with state.driver "redis" (session-team.ts); none with fs. */
  const team = host.store.logs ? createSessionTeam(host.store.logs, { sessionIdleMs: options.sessionIdleMs }) : undefined;
  const retention = () => ({ maxEvents: host.config.server.resume_events, maxAgeMs: host.config.server.resume_seconds * 1000 });

  /**
   * A session's server, transport and event store, under `record.id`. `adopted`: the session was
   * opened on another server of the team; it is re-created here from its record (session-adopt.ts).
   */
  async function connectLegacySession(principal: string, narrowed: NarrowedSession | undefined, record: SessionRecord, adopted = false) {
    const state = adopted ? restoreFromRecord(newSession(principal, narrowed), record) : newSession(principal, narrowed);
    record.clientRef = state.clientRef;
    const server = buildMcpServer(host, registry, state, { announcesModeChanges: true });
    const followRecord = team && keepModeInRecord(state, record, team);
    const shared = followRecord && {
      events: createRedisEventStore({ logs: team.logs, sessionId: record.id, retention: retention(), server: team.server, callTtlMs: options.sessionIdleMs }),
      record,
      followRecord,
    };
    const events = shared?.events ?? createMemoryEventStore(retention());
    // The replayed initialize's events reach no client, so they are not stored for one to resume.
    let replaying = adopted;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => record.id,
      maxRequestBodySize: maxRequestBytes,
      eventStore: {
        storeEvent: (streamId, message) => (replaying ? Promise.resolve(`${streamId}:replayed`) : events.storeEvent(streamId, message)),
        replayEventsAfter: (eventId, sender) => events.replayEventsAfter(eventId, sender),
      },
      retryInterval: RESUME_RETRY_MS,
      onsessioninitialized: async (id) => {
        // A re-created session is listed once its replayed initialize is done (below): no request may run while it replays.
        if (adopted) return;
        legacySessions.set(id, session);
        // Without its record the session still works here; only another server could not take it over.
        await team?.save(record).catch(() => undefined);
      },
      onsessionclosed: async (id) => {
        legacySessions.delete(id);
        await team?.remove(id).catch(() => undefined);
        await host.store.channel.publish(SESSION_CLOSED_TOPIC, id).catch(() => undefined);
      },
    });
    const session: LegacySession = { key: record.identity, transport, server, state, events, ...(shared && { shared }), lastSeen: Date.now() };
    transport.onclose = () => {
      if (legacySessions.get(record.id) === session) legacySessions.delete(record.id);
      void shared?.events.abandon(SESSION_CLOSED_MESSAGE).catch(() => undefined);
    };
    await server.connect(transport);
    if (adopted) {
      await replayInitialize(transport, record, REPLAY_URL).catch(async (error: unknown) => {
        await server.close().catch(() => {});
        throw error;
      });
      replaying = false;
      legacySessions.set(record.id, session);
    }
    return session;
  }

  /** Sessions being re-created here: concurrent requests with the same id share one. */
  const adopting = new Map<string, Promise<LegacySession | Response | undefined>>();

  /** The session another server of the team opened, re-created here for the same identity; undefined when there is none for this caller. */
  function adoptLegacySession(id: string, principal: string, narrowed: NarrowedSession | undefined): Promise<LegacySession | Response | undefined> {
    let pending = adopting.get(id);
    if (!pending) {
      pending = (async () => {
        const record = await team?.load(id);
        // A different caller gets the same answer as for an unknown id: it learns nothing of the session.
        if (!record || record.identity !== (narrowed?.key ?? principal)) return undefined;
        const full = atCapacity(principal);
        if (full) return full;
        return connectLegacySession(principal, narrowed, record, true);
      })()
        // Redis unreachable, or a record the SDK refuses: the client is told to start a new session, as for an unknown id.
        .catch(() => undefined)
        .finally(() => adopting.delete(id));
      adopting.set(id, pending);
    }
    return pending;
  }

  async function legacy(request: Request, principal: string, body: unknown, narrowed: NarrowedSession | undefined): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    if (!sessionId) {
      if (request.method !== "POST") return rpcErrorResponse(400, -32000, "Bad Request: Mcp-Session-Id header is required");
      return flushSseHeaders(await openLegacySession(request, principal, body, narrowed));
    }
    const found = legacySessions.get(sessionId) ?? (team && (await adoptLegacySession(sessionId, principal, narrowed)));
    if (found instanceof Response) return found;
    const session = found;
    // A session belongs to the principal that opened it: another token cannot ride on its id.
    if (!session || session.key !== (narrowed?.key ?? principal))
      return rpcErrorResponse(404, -32001, "Session not found: it expired or the server restarted; initialize a new session");
    session.lastSeen = Date.now();
    if (team && session.shared) await followSharedRecord(team, session.shared, body);
    const lastEventId = request.method === "GET" ? request.headers.get("last-event-id") : null;
    if (lastEventId) return flushSseHeaders(await resume(session, request, lastEventId));
    const negotiated = asNegotiated(request, session.server);
    const handled = () => session.transport.handleRequest(negotiated, body === undefined ? undefined : { parsedBody: body });
    // Only the shared store asks which requests a stream answers; the context costs every await of the call.
    const response = await (session.shared ? withPostedRequests(body, handled) : handled());
    // A stream the SDK opened with a priming event has its headers out at once; another stream between it and the socket costs every call.
    return opensPrimed(negotiated) ? response : flushSseHeaders(response);
  }

  /** A GET with Last-Event-ID: the missed events and the stream again, or 410 when they are gone. */
  async function resume(session: LegacySession, request: Request, lastEventId: string): Promise<Response> {
    const expired = async () => expiredResume(host.config.server, await session.events.answersOf(lastEventId));
    if (!(await session.events.canResume(lastEventId))) return expired();
    const primingId = await session.events.primeAgain(lastEventId);
    // A call this server is not running (another server of the team is, or it ended) is read from the shared log.
    if (team && session.shared && !session.events.answeredHere(lastEventId)) {
      const sessionId = session.shared.record.id;
      const pollMs = host.config.server.sse_poll_seconds * 1000;
      const followed = await followCall({ store: session.shared.events, team, lastEventId, primingId, retryMs: RESUME_RETRY_MS, sessionId, pollMs });
      if (followed) return followed;
    }
    const response = await session.transport.handleRequest(request);
    // The SDK answers 500 when the event expired between the check above and its replay.
    if (response.status === 500 && !(await session.events.canResume(lastEventId))) return expired();
    return primeResumed(response, primingId);
  }

  // A session closed (DELETE) on any server of the team is closed on every server holding it.
  const unsubscribe = team
    ? host.store.channel
        .subscribe(SESSION_CLOSED_TOPIC, (id) => {
          const session = legacySessions.get(id);
          if (!session) return;
          legacySessions.delete(id);
          void session.server.close().catch(() => {});
        })
        .catch(() => undefined)
    : undefined;

  const stopEviction = evictIdleSessions(legacySessions, options.sessionIdleMs, team);

  return {
    async handle(request, principal, body, narrowed) {
      if (await isLegacyRequest(request, body, { maxRequestBodySize: maxRequestBytes })) return legacy(request, principal, body, narrowed);
      const authInfo = { token: principal, clientId: narrowed?.key ?? principal, scopes: [], extra: { narrowed } };
      return flushSseHeaders(await modern.fetch(request, { parsedBody: body, authInfo }));
    },
    sessionCount: () => legacySessions.size + principals.size,
    async close() {
      stopEviction();
      await (await unsubscribe)?.().catch(() => undefined);
      await team?.close();
      const closing = [...legacySessions.values()].map((session) => session.server.close().catch(() => {}));
      legacySessions.clear();
      await Promise.all(closing);
      await modern.close();
    },
  };
}

/**
 * Whether the SDK opens this request's answer stream with a priming event: a POST of a resumable
 * version (every 2025-era session here has an event store), the version read from the header as
 * `asNegotiated` left it, as the SDK reads it.
 */
function opensPrimed(request: Request): boolean {
  return request.method === "POST" && (request.headers.get("mcp-protocol-version") ?? "") >= RESUMABLE_VERSION;
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
