/**
 * The token endpoint (`POST /oauth/token`: authorization_code with PKCE S256, refresh_token with
 * rotation) and revocation (RFC 7009, `POST /oauth/revoke`). Both authenticate the client the way
 * it registered: a public client by its client_id, a confidential one by its secret (HTTP Basic
 * or in the form). Answers are OAuth JSON, never cached.
 */
import { checkResourceAllowed, OAuthError, OAuthErrorCode } from "@modelcontextprotocol/server";
import { readForm } from "./forms.ts";
import { resourceOf } from "./metadata.ts";
import { hashSecret, pkceMatches, sameSecret } from "./secrets.ts";
import type { ClientData, IssuedTokens, OAuthStore } from "./store.ts";

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function oauthError(code: OAuthErrorCode, description: string, status = 400, headers: Record<string, string> = {}): Response {
  return Response.json(new OAuthError(code, description).toResponseObject(), { status, headers: { ...NO_STORE, ...headers } });
}

function basicCredentials(request: Request): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-encoded inside the Basic credentials.
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

/** The authenticated client of a token or revocation request, or the 401 refusal. */
async function authenticateClient(request: Request, form: URLSearchParams, store: OAuthStore): Promise<ClientData | Response> {
  const basic = basicCredentials(request);
  const id = basic?.id ?? form.get("client_id") ?? "";
  const secret = basic?.secret ?? form.get("client_secret") ?? undefined;
  const refused = () =>
    oauthError(OAuthErrorCode.InvalidClient, "client authentication failed", 401, basic ? { "www-authenticate": 'Basic realm="patchbay"' } : {});
  const client = id ? await store.client(id) : undefined;
  if (!client) return refused();
  if (client.secret_hash === undefined) return secret === undefined ? client : refused();
  return secret !== undefined && sameSecret(hashSecret(secret), client.secret_hash) ? client : refused();
}

function tokenResponse(tokens: IssuedTokens): Response {
  const { access_token, refresh_token, expires_in } = tokens;
  return Response.json({ access_token, token_type: "Bearer", expires_in, refresh_token }, { headers: NO_STORE });
}

/** `POST /oauth/token`. */
export async function token(request: Request, store: OAuthStore, issuer: string): Promise<Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
  const form = await readForm(request);
  if (!form) return oauthError(OAuthErrorCode.InvalidRequest, "send the token request as application/x-www-form-urlencoded (at most 16 KB)");
  const client = await authenticateClient(request, form, store);
  if (client instanceof Response) return client;
  const resource = form.get("resource");
  if (resource && !checkResourceAllowed({ requestedResource: resource, configuredResource: resourceOf(issuer) }))
    return oauthError(OAuthErrorCode.InvalidTarget, `this server issues tokens for ${resourceOf(issuer)} only`);
  const grantType = form.get("grant_type");
  let issued: IssuedTokens | { refused: string };
  if (grantType === "authorization_code") {
    const verifier = form.get("code_verifier") ?? "";
    issued = await store.exchangeCode(form.get("code") ?? "", (code) => {
      if (code.client_id !== client.client_id) return "the code was issued to another client";
      if (form.get("redirect_uri") !== code.redirect_uri) return "redirect_uri differs from the authorization request's";
      if (!pkceMatches(verifier, code.code_challenge)) return "the PKCE code_verifier does not match the code_challenge";
      return undefined;
    });
  } else if (grantType === "refresh_token") {
    issued = await store.refresh(form.get("refresh_token") ?? "", client.client_id);
  } else {
    return oauthError(OAuthErrorCode.UnsupportedGrantType, "grant_type must be authorization_code or refresh_token");
  }
  return "refused" in issued ? oauthError(OAuthErrorCode.InvalidGrant, issued.refused) : tokenResponse(issued);
}

/** `POST /oauth/revoke`: revokes the token's whole grant; an unknown token is answered 200 too (RFC 7009 §2.2). */
export async function revoke(request: Request, store: OAuthStore): Promise<Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
  const form = await readForm(request);
  if (!form?.get("token")) return oauthError(OAuthErrorCode.InvalidRequest, "send the token to revoke as a form field `token`");
  const client = await authenticateClient(request, form, store);
  if (client instanceof Response) return client;
  await store.revokeToken(form.get("token")!, client.client_id);
  return new Response(null, { status: 200, headers: NO_STORE });
}
