/**
 * OAuth 2.1 for web hosts (claude.ai, ChatGPT connectors), after the MCP authorization spec: this
 * server is both the protected resource (`/mcp`) and its authorization server. Discovery (RFC 9728,
 * RFC 8414), clients by registration (RFC 7591) or metadata document, PKCE S256, a consent page
 * where the operator picks one agent identity or a narrowed operator grant, one-hour access
 * tokens with rotating refresh tokens, revocation (RFC 7009). The HTTP layer asks `verify` who an
 * access token is, in the terms it already knows (an agent principal, or the operator narrowed).
 */
import type { Config } from "../config/index.ts";
import type { RecordStore } from "../state/index.ts";
import { callerOf, type OAuthCaller, type Power } from "./access.ts";
import { authorize, consent, login, type AuthorizeContext } from "./authorize.ts";
import { register } from "./clients.ts";
import { createRegistrationLimit, registrantAddress } from "./registration-limit.ts";
import { authorizationServerMetadata, documentResponse, issuerFor, PATHS, protectedResourceMetadata, resourceMetadataUrl, routeOf } from "./metadata.ts";
import { errorPage } from "./pages.ts";
import { hashSecret, SECRET_PREFIXES } from "./secrets.ts";
import { operatorLogin, type OperatorLogin } from "./operator-login.ts";
import { createOAuthStore, type OAuthStore } from "./store.ts";
import { revoke, token } from "./tokens.ts";

export { type Access, describeAccess, type OAuthCaller, type Power } from "./access.ts";
export { type ClientView, createOAuthStore, type GrantData, type OAuthStore } from "./store.ts";
export type { OperatorLogin } from "./operator-login.ts";

export const ACCESS_TOKEN_PREFIX = SECRET_PREFIXES.access;

export interface OAuthServerOptions {
  store: RecordStore;
  config: Config;
  /** The operator token the consent page's login asks for; without one there is no OAuth. */
  operatorToken: string | undefined;
  /** The running server's power switches, the most an operator grant gets. */
  power: Power;
  /** Agents (NAME@NAMESPACE) the consent page offers. */
  agents(): Promise<string[]>;
  /** Whether an agent (NAME@NAMESPACE) still exists: one keyed read, on every request of an agent grant. */
  agentExists(agent: string): Promise<boolean>;
  /** The messaging rate limit, counted per grant for agent grants: seconds banned, or undefined. */
  rateLimit?(key: string, calls: number): Promise<number | undefined>;
}

export interface OAuthServer {
  /** Answers a request under `/oauth/` or `/.well-known/oauth-…`; undefined for any other path. */
  handle(request: Request): Promise<Response> | undefined;
  /** Who an OAuth access token is, `{ banned }` over the rate limit, or undefined (unknown, expired, revoked). */
  verify(accessToken: string, calls?: number): Promise<OAuthCaller | { banned: number } | undefined>;
  /** The protected-resource metadata URL a 401 names, when OAuth is served for this request. */
  resourceMetadataUrl(request: Request): string | undefined;
  /** The operator's browser login for another page of this server (the board); undefined without an operator token. */
  operatorLogin(why: string): OperatorLogin | undefined;
}

/** Token lifetimes besides oauth.access_token_seconds: refresh 30 days, code 1 minute, operator login 12 hours. */
const REFRESH_SECONDS = 30 * 24 * 3600;
const CODE_SECONDS = 60;
const LOGIN_SECONDS = 12 * 3600;
const SWEEP_INTERVAL_MS = 3600 * 1000;

function routes(store: OAuthStore, options: OAuthServerOptions, operatorToken: string) {
  const { config } = options;
  const context = (issuer: string): AuthorizeContext => ({
    store,
    issuer,
    operatorToken,
    allowPrivateDocuments: config.oauth.allow_private_client_documents,
    loginSeconds: LOGIN_SECONDS,
    power: options.power,
    defaultMode: config.app.tool_mode,
    agents: options.agents,
  });
  const overLimit = createRegistrationLimit(config.oauth.registrations_per_minute);
  const table: Record<string, (request: Request, issuer: string) => Promise<Response> | Response> = {
    [PATHS.asMetadata]: (_, issuer) => documentResponse(authorizationServerMetadata(issuer)),
    [PATHS.resourceMetadata]: (_, issuer) => documentResponse(protectedResourceMetadata(issuer)),
    [`${PATHS.resourceMetadata}/mcp`]: (_, issuer) => documentResponse(protectedResourceMetadata(issuer)),
    [PATHS.register]: (request) => register(request, store, (posted) => overLimit(registrantAddress(posted))),
    [PATHS.token]: (request, issuer) => token(request, store, issuer),
    [PATHS.revoke]: (request) => revoke(request, store),
    [PATHS.authorize]: (request, issuer) => (request.method === "GET" ? authorize(request, context(issuer)) : notAllowed("GET")),
    [PATHS.login]: (request, issuer) => (request.method === "POST" ? login(request, context(issuer)) : notAllowed("POST")),
    [PATHS.consent]: (request, issuer) => (request.method === "POST" ? consent(request, context(issuer)) : notAllowed("POST")),
  };
  return table;
}

const notAllowed = (allow: string) => new Response(null, { status: 405, headers: { allow } });

const PAGES: readonly string[] = [PATHS.authorize, PATHS.login, PATHS.consent];

/** No issuer for this request: the operator's pages say why; discovery answers 404 (no OAuth here), the API endpoints an OAuth error. */
function unavailable(path: string, problem: string): Response {
  if (PAGES.includes(path)) return errorPage("OAuth is not available here", problem);
  const status = path.startsWith("/.well-known/") ? 404 : 400;
  return Response.json({ error: "invalid_request", error_description: problem }, { status, headers: { "cache-control": "no-store" } });
}

export function createOAuthServer(options: OAuthServerOptions): OAuthServer {
  const { config, operatorToken } = options;
  const enabled = config.oauth.enabled && operatorToken !== undefined;
  const store = createOAuthStore(
    options.store,
    {
      accessSeconds: config.oauth.access_token_seconds,
      refreshSeconds: REFRESH_SECONDS,
      codeSeconds: CODE_SECONDS,
      loginSeconds: LOGIN_SECONDS,
    },
    { max: config.oauth.max_clients, unusedSeconds: config.oauth.unused_client_seconds },
  );
  const table = enabled ? routes(store, options, operatorToken) : {};
  // Expired secrets go at start and then at most hourly, on the requests that use tokens.
  let sweptAt = 0;
  const sweep = () => {
    if (!enabled || Date.now() - sweptAt < SWEEP_INTERVAL_MS) return;
    sweptAt = Date.now();
    void store.sweep().catch(() => undefined);
  };
  sweep();

  return {
    handle(request) {
      const path = new URL(request.url).pathname.replace(/(.)\/+$/, "$1");
      const found = issuerFor(request, config.server.public_url);
      const route = table[routeOf(path, "issuer" in found ? found.issuer : undefined)];
      if (!route) return undefined;
      if ("problem" in found) return Promise.resolve(unavailable(path, found.problem));
      return Promise.resolve(route(request, found.issuer));
    },
    async verify(accessToken, calls = 1) {
      if (!enabled) return undefined;
      sweep();
      const found = await store.accessGrant(accessToken);
      if (!found) return undefined;
      const { access } = found.grant;
      if (access.kind === "agent") {
        if (!(await options.agentExists(access.agent))) return undefined;
        const banned = await options.rateLimit?.(hashSecret(`oauth-grant:${found.id}`), calls);
        if (banned !== undefined) return { banned };
      }
      return callerOf(access, found.id, options.power);
    },
    operatorLogin: (why) => (operatorToken === undefined ? undefined : operatorLogin(store, operatorToken, { why, seconds: LOGIN_SECONDS })),
    resourceMetadataUrl(request) {
      if (!enabled) return undefined;
      const found = issuerFor(request, config.server.public_url);
      return "issuer" in found ? resourceMetadataUrl(found.issuer) : undefined;
    },
  };
}
