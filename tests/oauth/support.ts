/**
 * OAuth tests drive the real binary (`patchbay start` on 127.0.0.1) the way a browser and a web
 * host would: register a client, walk the login and consent pages with fetch, exchange the code.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

export const OPERATOR_TOKEN = "oauth-test-operator-6f1c2d9a8b7e4f30a5c1";
export const REDIRECT_URI = "http://127.0.0.1:9/callback";

export interface OAuthServer extends TestServer {
  origin: string;
}

/** A server with the operator token, these agents (NAME@NAMESPACE → their pbt_ tokens) and optional config.toml text. */
export async function startOAuthServer(options: { agents?: string[]; configToml?: string; args?: string[] } = {}) {
  const home = tempDir("patchbay-oauth-");
  mkdirSync(home, { recursive: true });
  if (options.configToml) writeFileSync(join(home, "config.toml"), options.configToml);
  const agentTokens: Record<string, string> = {};
  for (const agent of options.agents ?? []) {
    const added = await runPatchbay(["token", "add", agent, "--json"], { home });
    if (added.code !== 0) throw new Error(`token add ${agent} failed: ${added.stderr}`);
    agentTokens[agent] = (JSON.parse(added.stdout) as { token: string }).token;
  }
  const server = await startTestServer({ home, args: options.args, env: { PATCHBAY_HTTP_TOKEN: OPERATOR_TOKEN } });
  const origin = new URL(server.url).origin;
  return { server: { ...server, origin } as OAuthServer, agentTokens };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** RFC 7591 registration of a public client; answers the registration response. */
export async function registerClient(origin: string, metadata: Record<string, unknown> = {}): Promise<{ client_id: string; client_secret?: string }> {
  const response = await fetch(`${origin}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Test host", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", ...metadata }),
  });
  if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { client_id: string };
}

export function authorizeUrl(origin: string, clientId: string, challenge: string, extra: Record<string, string> = {}): URL {
  const url = new URL(`${origin}/oauth/authorize`);
  const params = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s1",
    ...extra,
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The hidden fields of a page's form, as a browser would post them. */
export function hiddenFields(html: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(unescapeHtml(match[1]!), unescapeHtml(match[2]!));
  return fields;
}

export function postForm(url: string, fields: URLSearchParams, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: fields.toString(),
  });
}

/** Where a page's form posts, resolved against the page's URL as a browser does, or undefined when the page has no such form. */
function formAction(html: string, page: string, ending: string): string | undefined {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  return action?.endsWith(ending) ? new URL(unescapeHtml(action), page).href : undefined;
}

/** Logs in with the operator token on the login page an authorization URL shows; answers the login cookie and its Set-Cookie line. */
export async function logIn(authorize: URL, token = OPERATOR_TOKEN): Promise<{ cookie: string; consentUrl: string; setCookie: string }> {
  const loginPage = await fetch(authorize, { redirect: "manual" });
  const html = await loginPage.text();
  const action = formAction(html, authorize.href, "/oauth/login");
  if (!action) throw new Error(`expected the login page, got ${loginPage.status}: ${html.slice(0, 300)}`);
  const fields = hiddenFields(html);
  fields.set("token", token);
  const answer = await postForm(action, fields, { origin: authorize.origin });
  const setCookie = answer.headers.get("set-cookie") ?? "";
  const cookie = /patchbay_oauth_login=[^;]+/.exec(setCookie)?.[0];
  if (answer.status !== 303 || !cookie) throw new Error(`login answered ${answer.status}: ${await answer.text()}`);
  return { cookie, consentUrl: new URL(answer.headers.get("location")!, authorize.href).href, setCookie };
}

/** The consent page's form fields (hidden ones, the CSRF token among them) for a logged-in cookie, and where the form posts. */
export async function consentForm(consentUrl: string, cookie: string): Promise<{ html: string; fields: URLSearchParams; action: string }> {
  const page = await fetch(consentUrl, { headers: { cookie }, redirect: "manual" });
  const html = await page.text();
  const action = formAction(html, consentUrl, "/oauth/consent");
  if (!action) throw new Error(`expected the consent page, got ${page.status}: ${html.slice(0, 300)}`);
  return { html, fields: hiddenFields(html), action };
}

/** Walks login and consent like the operator's browser; `choice` is what the operator ticks. Answers the redirect back to the client. */
export async function approve(authorize: URL, choice: Record<string, string>): Promise<URL> {
  const { cookie, consentUrl } = await logIn(authorize);
  const { fields, action } = await consentForm(consentUrl, cookie);
  for (const [name, value] of Object.entries({ ...choice, decision: "approve" })) fields.set(name, value);
  const answer = await postForm(action, fields, { cookie, origin: authorize.origin });
  if (answer.status !== 303) throw new Error(`consent answered ${answer.status}: ${await answer.text()}`);
  return new URL(answer.headers.get("location")!);
}

export interface TokenAnswer {
  status: number;
  body: { access_token?: string; refresh_token?: string; expires_in?: number; token_type?: string; error?: string; error_description?: string };
}

export async function tokenRequest(origin: string, fields: Record<string, string>): Promise<TokenAnswer> {
  const response = await postForm(`${origin}/oauth/token`, new URLSearchParams(fields));
  return { status: response.status, body: (await response.json()) as TokenAnswer["body"] };
}

/** A client registered, approved for `choice` and its code exchanged: its first tokens. */
export async function grantedTokens(origin: string, choice: Record<string, string>): Promise<{ clientId: string; access: string; refresh: string }> {
  const { client_id } = await registerClient(origin);
  const { verifier, challenge } = pkcePair();
  const back = await approve(authorizeUrl(origin, client_id, challenge), choice);
  const answer = await tokenRequest(origin, {
    grant_type: "authorization_code",
    code: back.searchParams.get("code")!,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    client_id,
  });
  if (answer.status !== 200) throw new Error(`token answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { clientId: client_id, access: answer.body.access_token!, refresh: answer.body.refresh_token! };
}

/** One JSON-RPC request to /mcp with a bearer token, as a raw HTTP client sends it. */
export function mcpPost(url: string, bearer: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify(body),
  });
}
