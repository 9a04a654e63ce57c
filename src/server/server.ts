import { log } from "../log/index.ts";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import type { Board } from "../board/index.ts";
import type { McpEndpoint } from "../http/index.ts";
import { createToolRegistry, endpointsFor, type SessionScope, type ToolRegistry } from "../mcp/index.ts";
import { ALL_TOOLS, createApp, type AppContext } from "../app/index.ts";
import { serveHttp, type HttpListener } from "../runtime/index.ts";
import { createRecordStore, type RecordStore } from "../state/index.ts";
import { controlJobHandlers } from "./control-jobs.ts";
import { startControlServer } from "./control-server.ts";
import { assertExposureAllowed, httpToken } from "./http-exposure.ts";
import { statusForHttp } from "./http-status.ts";
import { claimOwnership, newOwnerRecord, type Ownership } from "./owner.ts";
import { relaySessions } from "./relay-sessions.ts";
import { runningSettings, type RunningSettings } from "./running-settings.ts";
import { scopeFromConfig } from "./scope.ts";

export interface StartServerOptions {
  home: string;
  config: Config;
  version: string;
  /** Where to serve HTTP at start; `undefined` serves only the local control port. */
  http?: { host: string; port: number };
  /** Launched in the background by another command (recorded in the owner record). */
  background?: boolean;
  /** app.tool_mode was left at its default (config's toolModeChosen): HTTP sessions' catalog then follows the repository. */
  modeIsDefault?: boolean;
}

export interface StatusReport {
  pid: number;
  version: string;
  home: string;
  started_at: string;
  uptime_seconds: number;
  http: string[];
  sessions: { total: number; stdio: number; http: number };
  running_jobs: number;
  /** server.public_url as this server has it (a tunnel sets it at start); absent when unset. */
  public_url?: string;
  /** What every session of this server gets; a second `patchbay start` cannot change it. */
  settings: RunningSettings;
}

export interface RunningServer {
  readonly ownership: Ownership;
  readonly host: AppContext;
  status(): Promise<StatusReport>;
  /** Adds an HTTP listener; refuses one the server already has. */
  listen(host: string, port: number): Promise<string>;
  stop(): Promise<void>;
  /** Resolves once the server has stopped (by `stop()`, a signal, or `patchbay stop`). */
  readonly stopped: Promise<void>;
}

function urlOf(listener: HttpListener): string {
  const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
  return `http://${host}:${listener.port}/mcp`;
}

/**
 * The one process that owns `$PATCHBAY_HOME`: its state, and (as later capabilities arrive) its
 * jobs, workers, runs and messages. Local clients reach it over the control port; hosts over HTTP.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { home, config, version } = options;
  const token = httpToken(config);
  if (options.http) assertExposureAllowed(config, options.http.host, token);
  const registry = createToolRegistry(ALL_TOOLS); // before claiming: a catalog it refuses (two tools of one name, one without a capability) must change nothing
  const ownership = await claimOwnership(home, newOwnerRecord("server", version, { background: options.background }));
  let store: RecordStore | undefined;
  try {
    store = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
    return await assemble(options, ownership, store, registry, token);
  } catch (error) {
    await store?.close().catch(() => {});
    ownership.release();
    throw error;
  }
}

async function assemble(
  options: StartServerOptions,
  ownership: Ownership,
  store: RecordStore,
  registry: ToolRegistry,
  token: string | undefined,
): Promise<RunningServer> {
  const { home, config, version } = options;
  const listeners: HttpListener[] = [];
  const scope: SessionScope = scopeFromConfig(config);
  let endpoint: McpEndpoint | undefined;
  let board: Board | undefined;
  const host = createApp({
    version,
    home,
    config,
    store,
    token,
    activeSessions: () => relays.size + (endpoint?.sessionCount() ?? 0),
    endpoints: () => listeners.map((listener) => ({ kind: "http" as const, url: urlOf(listener) })),
  });
  const { jobs, messaging } = host;
  const relays = relaySessions(host, registry);

  // The HTTP stack (Elysia, the SDK's HTTP entry) loads only when the server first listens on HTTP.
  async function httpApp(boundHost: string) {
    const { allowedHostnames, allowedOriginHostnames, createHttpApp, createMcpEndpoint, originGuard } = await import("../http/index.ts");
    endpoint ??= createMcpEndpoint({
      host,
      registry,
      scope,
      defaultMode: config.app.tool_mode,
      defaultModeIsDefault: options.modeIsDefault === true,
      maxRequestBytes: config.server.max_request_bytes,
      sessionIdleMs: config.server.session_idle_seconds * 1000,
    });
    const { ACCESS_TOKEN_PREFIX, createOAuthServer } = await import("../oauth/index.ts");
    const oauth = createOAuthServer({
      store,
      config,
      operatorToken: token,
      power: scope.power,
      agents: async () => [...new Set((await messaging.identities.listTokens()).map((info) => info.agent))].sort(),
      agentExists: async (agent) => {
        const [name = "", namespace = ""] = agent.split("@");
        return (await messaging.identities.agent({ name, namespace })) !== undefined;
      },
      rateLimit: (key, calls) => messaging.limiter.hit(key, calls),
    });
    const { createServerBoard } = await import("./board.ts");
    board ??= createServerBoard({ host, registry, scope, token, login: oauth.operatorLogin("You are opening the patchbay board") });
    return createHttpApp({
      version,
      endpoint,
      originGuard: originGuard(allowedHostnames(config, boundHost), allowedOriginHostnames(config)),
      auth: { token, allowQueryToken: config.auth.allow_query_token, oauth: { ...oauth, prefix: ACCESS_TOKEN_PREFIX } },
      oauthRoutes: oauth.handle,
      board: board.handle,
      maxRequestBytes: config.server.max_request_bytes,
      corsOrigins: config.server.enable_cors ? config.server.allowed_origins : undefined,
      // The listeners as this caller reaches them: never a wildcard address, never loopback to a remote caller.
      status: async (request, principal) =>
        statusForHttp({ ...(await server.status()), http: endpointsFor({ app: host, request }).map((endpoint) => endpoint.url) }, principal, scope, home),
      onAccess: config.logging.access_log ? (line) => log.info(line) : undefined,
      messaging: { tokens: messaging, attachments: messaging.attachments },
    });
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;

  const server: RunningServer = {
    ownership,
    host,
    stopped,
    async status() {
      const httpSessions = endpoint?.sessionCount() ?? 0;
      return {
        pid: process.pid,
        version,
        home,
        started_at: host.startedAt.toISOString(),
        uptime_seconds: Math.round((Date.now() - host.startedAt.getTime()) / 1000),
        http: listeners.map(urlOf),
        sessions: { total: relays.size + httpSessions, stdio: relays.size, http: httpSessions },
        running_jobs: jobs.running(),
        ...(host.config.server.public_url && { public_url: host.config.server.public_url }),
        settings: runningSettings(config),
      };
    },
    async listen(hostName, port) {
      const existing = listeners.find((listener) => listener.hostname === hostName && (port === 0 || listener.port === port));
      if (existing)
        throw new PatchbayError("server_running", `the server (pid ${process.pid}) already serves ${urlOf(existing)}`, {
          next: "use that URL, `patchbay status` to see the server, or `patchbay stop` to stop it",
        });
      assertExposureAllowed(config, hostName, token);
      const listener = await serveHttp((await httpApp(hostName)).fetch, { hostname: hostName, port });
      listeners.push(listener);
      ownership.update({ http: listeners.map(urlOf) });
      log.info(`serving MCP at ${urlOf(listener)}`);
      return urlOf(listener);
    },
    stop() {
      stopping ??= (async () => {
        await control.close();
        await jobs.stop();
        relays.closeAll();
        await Promise.all(listeners.map((listener) => listener.stop().catch(() => {})));
        // Open wait_for_message calls answer "shutdown" before their sessions close.
        await messaging.close();
        await endpoint?.close();
        board?.close();
        await store.close();
        ownership.release();
        resolveStopped();
      })();
      return stopping;
    },
  };

  // Before the control port is published: nothing new can be submitted while the old ones are judged.
  await jobs.recover().catch((error: Error) => log.warn(`job recovery failed: ${error.message}`));
  await messaging.start();
  const control = await startControlServer(ownership.record.credential, {
    relay: (socket, session, rest) => relays.relay(socket, session, rest),
    relayHandedOff: (socket, session, fds) => relays.relayHandedOff(socket, session, fds),
    status: () => server.status(),
    stop: () => void server.stop(),
    listen: (hostName, port) => server.listen(hostName, port),
    ...controlJobHandlers({ host, registry }),
  });
  ownership.update({ control_port: control.port });
  if (options.http)
    await server.listen(options.http.host, options.http.port).catch(async (error) => {
      await server.stop();
      throw error;
    });
  return server;
}
