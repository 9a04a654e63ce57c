/**
 * OAuth clients: dynamic registration (RFC 7591, `POST /oauth/register`) and client ID metadata
 * documents (a URL-shaped client_id whose document patchbay fetches, through the SSRF-safe GET of
 * src/net). Both end as one ClientData record; only authorization_code + refresh_token clients
 * with exactly registered redirect URIs are accepted.
 */
import { randomBytes } from "node:crypto";
import * as v from "valibot";
import { safeGet } from "../net/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { readCappedText } from "./forms.ts";
import { AUTH_METHODS } from "./metadata.ts";
import { hashSecret, newSecret } from "./secrets.ts";
import type { ClientData, OAuthStore } from "./store.ts";

/** Schemes a redirect may never use: they run code or read local files in the browser. */
const BLOCKED_SCHEMES = new Set(["javascript:", "data:", "file:", "vbscript:", "blob:", "about:"]);

function redirectProblem(uri: string): string | undefined {
  if (!URL.canParse(uri)) return `${uri} is not an absolute URL`;
  const url = new URL(uri);
  if (url.hash) return `${uri} has a fragment`;
  if (BLOCKED_SCHEMES.has(url.protocol)) return `${uri} uses the ${url.protocol} scheme`;
  if (url.protocol === "http:" && !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname)) return `${uri} is plain http off this machine (use https)`;
  return undefined;
}

const MetadataSchema = v.object({
  redirect_uris: v.pipe(v.array(v.pipe(v.string(), v.maxLength(2000))), v.minLength(1), v.maxLength(10)),
  client_name: v.optional(v.pipe(v.string(), v.maxLength(200))),
  client_uri: v.optional(v.string()),
  token_endpoint_auth_method: v.optional(v.picklist(AUTH_METHODS)),
  grant_types: v.optional(v.array(v.string())),
  response_types: v.optional(v.array(v.string())),
  scope: v.optional(v.string()),
});

type ClientMetadata = v.InferOutput<typeof MetadataSchema>;

/** The metadata, checked, or the RFC 7591 error (`invalid_redirect_uri`, `invalid_client_metadata`) and why. */
function checkMetadata(raw: unknown): ClientMetadata | { error: string; why: string } {
  const parsed = v.safeParse(MetadataSchema, raw);
  if (!parsed.success) return { error: "invalid_client_metadata", why: parsed.issues.map((i) => `${v.getDotPath(i) ?? "metadata"}: ${i.message}`).join("; ") };
  const metadata = parsed.output;
  const badRedirect = metadata.redirect_uris.map(redirectProblem).find(Boolean);
  if (badRedirect) return { error: "invalid_redirect_uri", why: badRedirect };
  const grants = metadata.grant_types ?? ["authorization_code"];
  if (grants.some((grant) => grant !== "authorization_code" && grant !== "refresh_token"))
    return { error: "invalid_client_metadata", why: "only the authorization_code and refresh_token grant types are supported" };
  if ((metadata.response_types ?? ["code"]).some((type) => type !== "code"))
    return { error: "invalid_client_metadata", why: 'only the "code" response type is supported' };
  return metadata;
}

function registrationError(error: string, why: string, status = 400, headers: Record<string, string> = {}): Response {
  return Response.json({ error, error_description: why }, { status, headers: { "cache-control": "no-store", ...headers } });
}

/**
 * `POST /oauth/register`: a new client; a confidential one gets its secret here, once. `wait`
 * counts the registration against its address's limit: seconds to wait when over it.
 */
export async function register(request: Request, store: OAuthStore, wait: (request: Request) => number | undefined): Promise<Response> {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
  const retryAfter = wait(request);
  if (retryAfter !== undefined)
    return registrationError("too_many_requests", `too many registrations from this address (oauth.registrations_per_minute); retry in ${retryAfter} s`, 429, {
      "retry-after": String(retryAfter),
    });
  const text = await readCappedText(request);
  if (text === undefined) return registrationError("invalid_client_metadata", "the registration is larger than 16 KB");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return registrationError("invalid_client_metadata", "the body is not JSON");
  }
  const metadata = checkMetadata(raw);
  if ("error" in metadata) return registrationError(metadata.error, metadata.why);
  const method = metadata.token_endpoint_auth_method ?? "client_secret_basic";
  const secret = method === "none" ? undefined : newSecret("client");
  const client: ClientData = {
    client_id: `pbclient_${randomBytes(16).toString("hex")}`,
    client_name: metadata.client_name ?? "unnamed client",
    redirect_uris: metadata.redirect_uris,
    token_endpoint_auth_method: method,
    ...(secret && { secret_hash: hashSecret(secret) }),
    source: "registration",
    client_id_issued_at: Math.floor(Date.now() / 1000),
  };
  if (!(await store.saveClient(client)))
    return registrationError(
      "invalid_client_metadata",
      "this server keeps no more clients (oauth.max_clients); registrations never used for a consent expire after oauth.unused_client_seconds, so try again later",
    );
  const { secret_hash: _, source: __, ...shown } = client;
  return Response.json(
    { ...metadata, ...shown, ...(secret && { client_secret: secret, client_secret_expires_at: 0 }) },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
}

export function isDocumentClientId(clientId: string): boolean {
  return /^https?:\/\//.test(clientId);
}

const MAX_DOCUMENT_BYTES = 5 * 1024;

/**
 * The client a URL-shaped client_id names: its metadata document, fetched now (https only, no
 * redirects, 5 KB, a few seconds), which must name itself as client_id. Private addresses and
 * plain http are refused unless oauth.allow_private_client_documents is on.
 */
export async function documentClient(clientId: string, allowPrivate: boolean): Promise<ClientData> {
  const refuse = (url: string, why: string) =>
    new PatchbayError("url_refused", `the client ID metadata document ${url.slice(0, 200)} was not fetched: ${why}`, {
      next: "use a client whose client_id is a public https URL, or one that registers itself",
    });
  const { response } = await safeGet(clientId, {
    schemes: allowPrivate ? ["https:", "http:"] : ["https:"],
    allowPrivate,
    maxRedirects: 0,
    refuse,
    deadlines: { connectMs: 5_000, headersMs: 5_000, idleMs: 5_000, totalMs: 10_000 },
  });
  let body = "";
  for await (const chunk of response.body) {
    body += new TextDecoder().decode(chunk, { stream: true });
    if (body.length > MAX_DOCUMENT_BYTES) {
      response.cancel();
      throw refuse(clientId, `the document is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw refuse(clientId, "the document is not JSON");
  }
  if ((raw as { client_id?: unknown })?.client_id !== clientId) throw refuse(clientId, "its client_id is not its own URL");
  const metadata = checkMetadata(raw);
  if ("error" in metadata) throw refuse(clientId, metadata.why);
  // A document is public: anyone can read it, so it can only describe a public client.
  if ((metadata.token_endpoint_auth_method ?? "none") !== "none") throw refuse(clientId, 'its token_endpoint_auth_method must be "none"');
  return {
    client_id: clientId,
    client_name: metadata.client_name ?? new URL(clientId).host,
    redirect_uris: metadata.redirect_uris,
    token_endpoint_auth_method: "none",
    source: "metadata_document",
    client_id_issued_at: Math.floor(Date.now() / 1000),
  };
}
