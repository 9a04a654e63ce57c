/**
 * The authorization endpoint and its pages: `GET /oauth/authorize` checks the request and shows
 * the login form (no login cookie) or the consent page; `POST /oauth/login` takes the operator
 * token and sets the login cookie; `POST /oauth/consent` turns the operator's choice into a
 * one-time code for the client's registered redirect URI. A request naming an unknown client or
 * an unregistered redirect URI is answered here and never redirected (RFC 6749 §4.1.2.1).
 */
import { checkResourceAllowed } from "@modelcontextprotocol/server";
import { PatchbayError } from "../errors/index.ts";
import { type Access, capPower, isToolMode, type Power, TOOL_MODES, type ToolModeName } from "./access.ts";
import { documentClient, isDocumentClientId } from "./clients.ts";
import { crossOrigin, loginCookie, readForm } from "./forms.ts";
import { issuerPath, PATHS, resourceOf } from "./metadata.ts";
import { csrfFor, loggedIn as loggedInAs } from "./operator-login.ts";
import { consentLogin, consentPage, errorPage, loginPage } from "./pages.ts";
import { sameSecret } from "./secrets.ts";
import type { ClientData, OAuthStore } from "./store.ts";

export interface AuthorizeContext {
  store: OAuthStore;
  issuer: string;
  operatorToken: string;
  allowPrivateDocuments: boolean;
  loginSeconds: number;
  /** The running server's power switches: the most an operator grant can hold. */
  power: Power;
  defaultMode: ToolModeName;
  /** Agents (NAME@NAMESPACE) the consent page offers. */
  agents(): Promise<string[]>;
}

/** The parameters of an authorization request that are kept between the pages. */
const REQUEST_PARAMS = ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method", "state", "scope", "resource"];

function requestParams(source: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams();
  for (const name of REQUEST_PARAMS) {
    const value = source.get(name);
    if (value !== null) kept.set(name, value);
  }
  return kept;
}

function redirectTo(uri: string, values: Record<string, string | undefined>, issuer: string, status = 302): Response {
  const url = new URL(uri);
  for (const [name, value] of Object.entries({ ...values, iss: issuer })) if (value !== undefined) url.searchParams.set(name, value);
  return new Response(null, { status, headers: { location: url.href, "cache-control": "no-store" } });
}

const tooManyClients = () =>
  errorPage("Too many clients", "This server keeps as many OAuth clients as oauth.max_clients allows; try again once unused ones expired.", 503);

async function findClient(clientId: string, context: AuthorizeContext): Promise<ClientData | Response> {
  if (!isDocumentClientId(clientId)) return (await context.store.client(clientId)) ?? errorPage("Unknown client", `No client is registered as ${clientId}.`);
  try {
    const client = await documentClient(clientId, context.allowPrivateDocuments);
    if (!(await context.store.saveClient(client))) return tooManyClients();
    return client;
  } catch (error) {
    if (error instanceof PatchbayError) return errorPage("Client refused", error.message);
    throw error;
  }
}

/** The checked request (its client and redirect URI), or the answer that ends it. */
async function checkRequest(params: URLSearchParams, context: AuthorizeContext): Promise<{ client: ClientData; redirectUri: string } | Response> {
  const clientId = params.get("client_id");
  if (!clientId) return errorPage("Bad request", "The authorization request has no client_id.");
  const client = await findClient(clientId, context);
  if (client instanceof Response) return client;
  const redirectUri = params.get("redirect_uri") ?? (client.redirect_uris.length === 1 ? client.redirect_uris[0]! : "");
  if (!client.redirect_uris.includes(redirectUri))
    return errorPage("Bad request", `The redirect URI ${redirectUri || "(none)"} is not registered for this client.`);
  const fail = (error: string, description: string) =>
    redirectTo(redirectUri, { error, error_description: description, state: params.get("state") ?? undefined }, context.issuer);
  if (params.get("response_type") !== "code") return fail("unsupported_response_type", 'only response_type "code" is supported');
  if (!params.get("code_challenge") || params.get("code_challenge_method") !== "S256")
    return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method S256");
  const resource = params.get("resource");
  if (resource && !checkResourceAllowed({ requestedResource: resource, configuredResource: resourceOf(context.issuer) }))
    return fail("invalid_target", `this server grants access to ${resourceOf(context.issuer)} only`);
  return { client, redirectUri };
}

const loggedIn = (request: Request, context: AuthorizeContext) => loggedInAs(request, context.store, context.operatorToken);

/** `GET /oauth/authorize`. */
export async function authorize(request: Request, context: AuthorizeContext): Promise<Response> {
  const params = requestParams(new URL(request.url).searchParams);
  const checked = await checkRequest(params, context);
  if (checked instanceof Response) return checked;
  const cookie = await loggedIn(request, context);
  if (!cookie) return loginPage(params.toString(), undefined, consentLogin(issuerPath(context.issuer)));
  return consentPage({
    prefix: issuerPath(context.issuer),
    clientName: checked.client.client_name,
    clientId: checked.client.client_id,
    redirectUri: checked.redirectUri,
    agents: await context.agents(),
    modes: TOOL_MODES,
    defaultMode: context.defaultMode,
    power: context.power,
    request: params,
    csrf: csrfFor(cookie),
  });
}

const forbidden = () => errorPage("Forbidden", "This form may be sent only from this server's own page.", 403);

/** `POST /oauth/login`: the operator token, once; the cookie then carries the login. */
export async function login(request: Request, context: AuthorizeContext): Promise<Response> {
  if (crossOrigin(request, context.issuer)) return forbidden();
  const form = await readForm(request);
  if (!form) return errorPage("Bad request", "The login form was not sent as a form.");
  const back = requestParams(new URLSearchParams(form.get("authorize") ?? "")).toString();
  const prefix = issuerPath(context.issuer);
  if (!sameSecret(form.get("token") ?? "", context.operatorToken)) return loginPage(back, "That is not the operator token.", consentLogin(prefix));
  const cookie = await context.store.login(context.operatorToken);
  return new Response(null, {
    status: 303,
    headers: {
      location: `${prefix}${PATHS.authorize}?${back}`,
      "set-cookie": loginCookie(cookie, context.issuer, context.loginSeconds),
      "cache-control": "no-store",
    },
  });
}

/** What the consent form grants, or why it grants nothing. */
async function chosenAccess(form: URLSearchParams, context: AuthorizeContext): Promise<Access | string> {
  const identity = form.get("identity") ?? "";
  if (identity.startsWith("agent:")) {
    const agent = identity.slice("agent:".length);
    return (await context.agents()).includes(agent) ? { kind: "agent", agent } : `there is no agent ${agent}`;
  }
  if (identity !== "operator") return "choose an agent or the operator";
  const mode = form.get("mode") ?? context.defaultMode;
  if (!isToolMode(mode)) return `${mode} is not a tool mode`;
  const bash = form.get("bash");
  const requested: Power = {
    directWrite: form.get("direct_write") === "on",
    bashMode: bash === "full" || bash === "safe" ? bash : "off",
    codexSessionRead: form.get("session_read") === "on",
  };
  return { kind: "operator", mode, power: capPower(requested, context.power) };
}

/** `POST /oauth/consent`: the operator's decision, as a code (or access_denied) at the client's redirect URI. */
export async function consent(request: Request, context: AuthorizeContext): Promise<Response> {
  if (crossOrigin(request, context.issuer)) return forbidden();
  const form = await readForm(request);
  if (!form) return errorPage("Bad request", "The consent form was not sent as a form.");
  const params = requestParams(form);
  const cookie = await loggedIn(request, context);
  if (!cookie) return loginPage(params.toString(), "Log in first: your login expired or this browser has none.", consentLogin(issuerPath(context.issuer)));
  if (!sameSecret(form.get("csrf") ?? "", csrfFor(cookie))) return forbidden();
  const checked = await checkRequest(params, context);
  if (checked instanceof Response) return checked;
  const state = params.get("state") ?? undefined;
  if (form.get("decision") !== "approve")
    return redirectTo(checked.redirectUri, { error: "access_denied", error_description: "the operator denied access", state }, context.issuer, 303);
  const access = await chosenAccess(form, context);
  if (typeof access === "string") return errorPage("Nothing chosen", `Nothing was granted: ${access}. Go back and choose.`);
  // A consent keeps the client: its unused window (oauth.unused_client_seconds) starts again. A
  // client dropped since the check (another registration made room) is not kept again past
  // oauth.max_clients, and a code for a client nobody keeps could never be exchanged.
  if (!(await context.store.saveClient({ ...checked.client, consented_at: Math.floor(Date.now() / 1000) }))) return tooManyClients();
  const code = await context.store.issueCode({
    client_id: checked.client.client_id,
    client_name: checked.client.client_name,
    access,
    redirect_uri: checked.redirectUri,
    code_challenge: params.get("code_challenge")!,
    ...(params.get("resource") && { resource: params.get("resource")! }),
  });
  return redirectTo(checked.redirectUri, { code, state }, context.issuer, 303);
}
