/**
 * Agent bearer tokens (`pbt_…`, from `patchbay token add`): a request carrying one is that agent
 * (`agent:NAME@NS`), counted against its rate limit; a banned token gets 429 with Retry-After.
 * The limit counts JSON-RPC calls: a batch costs one per message it carries.
 * OAuth access tokens (src/oauth) are judged by the OAuth server, counted the same way for agent grants.
 * Every other request is judged by the operator-token rule in guards.ts.
 */
import { authenticate, bearerChallenge, type AuthSettings, type Caller } from "./guards.ts";
import { rpcErrorResponse } from "./responses.ts";

/** What the HTTP layer needs from messaging to authenticate agents. */
export interface AgentTokens {
  /** The token's principal, counting `calls` requests (default 1) against its rate limit. */
  checkToken(token: string, calls?: number): Promise<{ principal: string } | { banned: number } | undefined>;
}

const AGENT_TOKEN_PREFIX = "pbt_";

/** The presented agent token, when the request carries one (and it is not the operator's token). */
function agentBearer(request: Request, auth: AuthSettings, agents: AgentTokens | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization")?.trim() ?? "");
  const bearer = match?.[1];
  return agents && bearer?.startsWith(AGENT_TOKEN_PREFIX) && bearer !== auth.token ? bearer : undefined;
}

/** The presented OAuth access token (src/oauth), when the request carries one. */
function oauthBearer(request: Request, auth: AuthSettings): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization")?.trim() ?? "");
  return auth.oauth && match?.[1]?.startsWith(auth.oauth.prefix) ? match[1] : undefined;
}

function refusal(check: { banned: number } | undefined, request: Request, auth: AuthSettings, what = "agent token"): Response {
  if (!check)
    return rpcErrorResponse(401, -32001, `Unauthorized: unknown, expired or revoked ${what}`, {
      "WWW-Authenticate": bearerChallenge(request, auth, "invalid_token"),
    });
  return rpcErrorResponse(
    429,
    -32000,
    `Too Many Requests: this agent token went over messaging.rate_limit_per_minute (each JSON-RPC message of a batch counts) and is banned for ${check.banned}s`,
    { "Retry-After": String(check.banned) },
  );
}

/** Who a request is: an agent, the operator (perhaps narrowed by an OAuth grant), or local; or the refusal (401, 429). */
export async function authenticateRequest(request: Request, auth: AuthSettings, agents: AgentTokens | undefined): Promise<Caller | Response> {
  const oauth = oauthBearer(request, auth);
  if (oauth) {
    const check = await auth.oauth!.verify(oauth);
    return check && "principal" in check ? check : refusal(check, request, auth, "OAuth access token");
  }
  const bearer = agentBearer(request, auth, agents);
  if (!bearer) return authenticate(request, auth);
  const check = await agents!.checkToken(bearer);
  return check && "principal" in check ? check : refusal(check, request, auth);
}

/**
 * Counts the rest of a JSON-RPC batch against an agent token: authentication counted the request
 * once, before its body was read; each further message is one more call. `undefined` lets it through.
 */
export async function chargeBatch(request: Request, auth: AuthSettings, agents: AgentTokens | undefined, body: unknown): Promise<Response | undefined> {
  if (!Array.isArray(body) || body.length <= 1) return undefined;
  const oauth = oauthBearer(request, auth);
  const bearer = agentBearer(request, auth, agents);
  if (!oauth && !bearer) return undefined;
  const check = oauth ? await auth.oauth!.verify(oauth, body.length - 1) : await agents!.checkToken(bearer!, body.length - 1);
  return check && "principal" in check ? undefined : refusal(check, request, auth);
}
