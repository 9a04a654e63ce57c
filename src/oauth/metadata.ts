/**
 * Where the authorization server lives and how it describes itself: the issuer (server.public_url,
 * else the request's own Host, which the Host guard already checked), RFC 8414 authorization
 * server metadata and RFC 9728 protected-resource metadata for `/mcp`, built with the SDK's
 * helpers. OAuth needs HTTPS off this machine: a plain-http issuer is served on loopback only.
 */
import { buildOAuthProtectedResourceMetadata, type OAuthMetadata, type OAuthProtectedResourceMetadata } from "@modelcontextprotocol/server";
import { isLoopbackHost } from "../net/index.ts";

export const PATHS = {
  authorize: "/oauth/authorize",
  login: "/oauth/login",
  consent: "/oauth/consent",
  token: "/oauth/token",
  register: "/oauth/register",
  revoke: "/oauth/revoke",
  asMetadata: "/.well-known/oauth-authorization-server",
  resourceMetadata: "/.well-known/oauth-protected-resource",
} as const;

export const AUTH_METHODS = ["none", "client_secret_post", "client_secret_basic"] as const;

/**
 * The issuer (origin and any path, no trailing slash), or why this request cannot have one. A
 * client on this machine (a loopback Host) gets its own origin, so local clients keep working
 * when server.public_url names the public one; unless that Host is server.public_url's own (a
 * proxy on this machine publishes the server), which keeps the URL's path prefix.
 */
export function issuerFor(request: Request, publicUrl: string): { issuer: string } | { problem: string } {
  const host = request.headers.get("host");
  const own = host && URL.canParse(`http://${host}`) ? `${new URL(request.url).protocol}//${host}` : undefined;
  const published = publicUrl && URL.canParse(publicUrl) && own !== undefined && new URL(publicUrl).host === new URL(own).host;
  const local = own !== undefined && isLoopbackHost(new URL(own).hostname) && !published;
  const base = publicUrl && !local ? publicUrl.replace(/\/+$/, "") : own;
  if (!base || !URL.canParse(base)) return { problem: "the request has no Host header" };
  const url = new URL(base);
  if (url.protocol !== "https:" && !isLoopbackHost(url.hostname))
    return {
      problem: `OAuth needs HTTPS, and ${url.origin} is plain http off this machine: set server.public_url to the https URL clients reach (a tunnel or a TLS proxy)`,
    };
  return { issuer: `${url.origin}${url.pathname.replace(/\/+$/, "")}` };
}

/** The issuer's path prefix (`/team-a` for https://host.example/team-a), "" at the root: the pages' own links carry it. */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, "");
}

/**
 * The route a well-known path names. RFC 8414 §3.1 and RFC 9728 §3.1 put an issuer's or a
 * resource's path after the well-known name at the host's root (`/.well-known/oauth-authorization-server/team-a`),
 * which a proxy publishing the server under a prefix routes here unchanged; the forms without it
 * are what such a proxy hands on for `/team-a/.well-known/…`.
 */
export function routeOf(path: string, issuer: string | undefined): string {
  const prefix = issuer ? issuerPath(issuer) : "";
  if (!prefix) return path;
  if (path === `${PATHS.asMetadata}${prefix}`) return PATHS.asMetadata;
  if (path === `${PATHS.resourceMetadata}${prefix}/mcp`) return `${PATHS.resourceMetadata}/mcp`;
  return path;
}

export function resourceOf(issuer: string): string {
  return `${issuer}/mcp`;
}

export function authorizationServerMetadata(issuer: string): OAuthMetadata {
  return {
    issuer,
    authorization_endpoint: `${issuer}${PATHS.authorize}`,
    token_endpoint: `${issuer}${PATHS.token}`,
    registration_endpoint: `${issuer}${PATHS.register}`,
    revocation_endpoint: `${issuer}${PATHS.revoke}`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  } as OAuthMetadata;
}

export function protectedResourceMetadata(issuer: string): OAuthProtectedResourceMetadata {
  return buildOAuthProtectedResourceMetadata({
    oauthMetadata: authorizationServerMetadata(issuer),
    resourceServerUrl: new URL(resourceOf(issuer)),
    resourceName: "patchbay",
    // issuerFor already refused plain http anywhere but loopback; the SDK's own check knows only localhost and 127.0.0.1.
    dangerouslyAllowInsecureIssuerUrl: isLoopbackHost(new URL(issuer).hostname),
  });
}

/** The metadata URL a 401 names in `WWW-Authenticate` (RFC 9728 §5.1), at its RFC 9728 §3.1 place: the resource's path after the well-known name. */
export function resourceMetadataUrl(issuer: string): string {
  return `${new URL(issuer).origin}${PATHS.resourceMetadata}${issuerPath(issuer)}/mcp`;
}

/** A discovery document: public, cacheable for a minute, readable from any origin (RFC 8414 §3). */
export function documentResponse(document: object): Response {
  return Response.json(document, { headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=60" } });
}
