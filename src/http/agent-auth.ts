/**
 * Agent bearer tokens (`pbt_…`, from `patchbay token add`): a request carrying one is that agent
 * (`agent:NAME@NS`), counted against its rate limit; a banned token gets 429 with Retry-After.
 * Every other request is judged by the operator-token rule in guards.ts.
 */
import { authenticate, type AuthSettings } from "./guards.ts";
import { rpcErrorResponse } from "./responses.ts";

/** What the HTTP layer needs from messaging to authenticate agents. */
export interface AgentTokens {
  checkToken(token: string): Promise<{ principal: string } | { banned: number } | undefined>;
}

const AGENT_TOKEN_PREFIX = "pbt_";

function bearerOf(request: Request): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization")?.trim() ?? "");
  return match?.[1];
}

/** Who a request is: an agent, the operator, or local; or the refusal (401, 429). */
export async function authenticateRequest(request: Request, auth: AuthSettings, agents: AgentTokens | undefined): Promise<{ principal: string } | Response> {
  const bearer = bearerOf(request);
  if (!agents || !bearer?.startsWith(AGENT_TOKEN_PREFIX) || bearer === auth.token) return authenticate(request, auth);
  const check = await agents.checkToken(bearer);
  if (!check) return rpcErrorResponse(401, -32001, "Unauthorized: unknown or revoked agent token", { "WWW-Authenticate": 'Bearer realm="patchbay", error="invalid_token"' });
  if ("banned" in check) {
    return rpcErrorResponse(429, -32000, `Too Many Requests: this agent token went over messaging.rate_limit_per_minute and is banned for ${check.banned}s`, { "Retry-After": String(check.banned) });
  }
  return check;
}
