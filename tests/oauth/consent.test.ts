/**
 * Who can grant what, through the real binary: only the operator, logged in with the operator
 * token, on this server's own page. Forged, cross-origin and CSRF-less consents get no code;
 * unknown clients and redirect URIs are never redirected to; client ID metadata documents on this
 * machine are not fetched unless the setting allows it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHitCounter } from "../support/hit-counter.ts";
import { removeTempDirs, startTestServer, type TestServer } from "../support/patchbay.ts";
import {
  approve,
  authorizeUrl,
  consentForm,
  logIn,
  type OAuthServer,
  OPERATOR_TOKEN,
  pkcePair,
  postForm,
  REDIRECT_URI,
  registerClient,
  startOAuthServer,
  tokenRequest,
} from "./support.ts";

let server: OAuthServer;
let documents: OAuthServer;
beforeAll(async () => {
  const [main, withDocuments] = await Promise.all([
    startOAuthServer({ agents: ["alice@team"] }),
    startOAuthServer({ agents: ["alice@team"], configToml: "[oauth]\nallow_private_client_documents = true\n" }),
  ]);
  server = main.server;
  documents = withDocuments.server;
});
afterAll(async () => {
  await Promise.all([server?.stop(), documents?.stop()]);
  removeTempDirs();
});

async function freshRequest(origin = server.origin): Promise<URL> {
  const { client_id } = await registerClient(origin);
  return authorizeUrl(origin, client_id, pkcePair().challenge);
}

describe("login", () => {
  test("without a login the authorization request shows the login form, and a forged consent gets the login form, not a code", async () => {
    const authorize = await freshRequest();
    const page = await fetch(authorize, { redirect: "manual" });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/oauth/login"');
    expect(html).not.toContain('action="/oauth/consent"');
    // A client posting the consent itself, asking for the operator.
    const forged = new URLSearchParams(authorize.searchParams);
    for (const [name, value] of Object.entries({ identity: "operator", mode: "full", decision: "approve" })) forged.set(name, value);
    const answer = await postForm(`${server.origin}/oauth/consent`, forged, { origin: server.origin });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("location")).toBeNull();
    expect(await answer.text()).toContain('action="/oauth/login"');
  });

  test("a wrong operator token sets no login cookie", async () => {
    const authorize = await freshRequest();
    const fields = new URLSearchParams({ authorize: authorize.search.slice(1), token: "not-the-operator-token" });
    const answer = await postForm(`${server.origin}/oauth/login`, fields, { origin: server.origin });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("set-cookie")).toBeNull();
    expect(await answer.text()).toContain("That is not the operator token.");
  });

  test("the login cookie is HttpOnly and SameSite=Strict; the pages run no script and cannot be framed", async () => {
    const authorize = await freshRequest();
    const page = await fetch(authorize, { redirect: "manual" });
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toStartWith("default-src 'none'; style-src 'nonce-");
    expect(csp).not.toContain("script-src");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const fields = new URLSearchParams({ authorize: authorize.search.slice(1), token: OPERATOR_TOKEN });
    const login = await postForm(`${server.origin}/oauth/login`, fields, { origin: server.origin });
    expect(login.headers.get("set-cookie")).toMatch(/^patchbay_oauth_login=pbol_[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/oauth; Max-Age=\d+$/);
  });
});

test("a login ends when the operator token changes", async () => {
  const { server: first } = await startOAuthServer();
  let second: TestServer | undefined;
  try {
    const { client_id } = await registerClient(first.origin);
    const { cookie } = await logIn(authorizeUrl(first.origin, client_id, pkcePair().challenge));
    await first.stop();
    second = await startTestServer({ home: first.home, env: { PATCHBAY_HTTP_TOKEN: "a-new-operator-token-0d9c8b7a6f5e4d3c2b1a" } });
    const again = authorizeUrl(new URL(second.url).origin, client_id, pkcePair().challenge);
    const html = await (await fetch(again, { headers: { cookie }, redirect: "manual" })).text();
    expect(html).toContain('action="/oauth/login"');
    expect(html).not.toContain('action="/oauth/consent"');
  } finally {
    await first.stop();
    await second?.stop();
  }
});

describe("consent", () => {
  /** A logged-in operator's consent form for a fresh request, with the operator chosen. */
  async function operatorConsent(): Promise<{ cookie: string; fields: URLSearchParams }> {
    const { cookie, consentUrl } = await logIn(await freshRequest());
    const { fields } = await consentForm(consentUrl, cookie);
    for (const [name, value] of Object.entries({ identity: "operator", mode: "full", decision: "approve" })) fields.set(name, value);
    return { cookie, fields };
  }

  test("the consent form needs the CSRF token of its own login", async () => {
    const { cookie, fields } = await operatorConsent();
    fields.set("csrf", "0".repeat(64));
    const answer = await postForm(`${server.origin}/oauth/consent`, fields, { cookie, origin: server.origin });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("location")).toBeNull();
  });

  test("a consent posted from another origin is refused, even with the login cookie and the CSRF token", async () => {
    const { cookie, fields } = await operatorConsent();
    const foreign = await postForm(`${server.origin}/oauth/consent`, fields, { cookie, origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("location")).toBeNull();
    // localhost is an allowed origin for /mcp, but not this page's own origin (the issuer is 127.0.0.1).
    const sibling = await postForm(`${server.origin}/oauth/consent`, fields, { cookie, origin: server.origin.replace("127.0.0.1", "localhost") });
    expect(sibling.status).toBe(403);
    expect(sibling.headers.get("location")).toBeNull();
    // The same form from the page's own origin goes through: the refusals above were the origin's.
    const own = await postForm(`${server.origin}/oauth/consent`, fields, { cookie, origin: server.origin });
    expect(own.status).toBe(303);
    expect(new URL(own.headers.get("location")!).searchParams.get("code")).toStartWith("pboc_");
  });

  test("Deny sends the client access_denied and no code", async () => {
    const { cookie, fields } = await operatorConsent();
    fields.set("decision", "deny");
    const answer = await postForm(`${server.origin}/oauth/consent`, fields, { cookie, origin: server.origin });
    const back = new URL(answer.headers.get("location")!);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("code")).toBeNull();
    expect(back.searchParams.get("iss")).toBe(server.origin);
  });

  test("an unknown client or an unregistered redirect URI is answered here, never redirected", async () => {
    const unknown = await fetch(authorizeUrl(server.origin, "pbclient_unknown", pkcePair().challenge), { redirect: "manual" });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("location")).toBeNull();
    const { client_id } = await registerClient(server.origin);
    const elsewhere = authorizeUrl(server.origin, client_id, pkcePair().challenge, { redirect_uri: "https://evil.example/steal" });
    const answer = await fetch(elsewhere, { redirect: "manual" });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("location")).toBeNull();
    expect(await answer.text()).toContain("is not registered for this client");
  });
});

describe("clients", () => {
  test("registration refuses a script redirect URI; a confidential client's secret is required at the token endpoint", async () => {
    const script = await fetch(`${server.origin}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: ["javascript:alert(1)"] }),
    });
    expect(script.status).toBe(400);
    expect(await script.json()).toMatchObject({ error: "invalid_redirect_uri" });

    const { client_id, client_secret } = await registerClient(server.origin, { token_endpoint_auth_method: "client_secret_basic" });
    expect(client_secret).toStartWith("pbos_");
    const { verifier, challenge } = pkcePair();
    const code = (await approve(authorizeUrl(server.origin, client_id, challenge), { identity: "agent:alice@team" })).searchParams.get("code")!;
    const exchange = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI };
    const withoutSecret = await tokenRequest(server.origin, { ...exchange, client_id });
    expect(withoutSecret).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    const basic = `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString("base64")}`;
    const withSecret = await postForm(`${server.origin}/oauth/token`, new URLSearchParams(exchange), { authorization: basic });
    expect(withSecret.status).toBe(200);
  });

  test("a client ID metadata document on this machine is not fetched by default", async () => {
    const counter = await startHitCounter();
    try {
      const clientId = `http://127.0.0.1:${counter.port}/client.json`;
      const answer = await fetch(authorizeUrl(server.origin, clientId, pkcePair().challenge), { redirect: "manual" });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("location")).toBeNull();
      expect(await answer.text()).toContain("was not fetched");
      expect(counter.hits()).toBe(0);
    } finally {
      await counter.close();
    }
  });

  test("with oauth.allow_private_client_documents a URL client_id is read from its document and can sign in", async () => {
    const served = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) =>
        Response.json({ client_id: request.url, client_name: "Document client", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
    });
    try {
      const clientId = `http://127.0.0.1:${served.port}/client.json`;
      const { verifier, challenge } = pkcePair();
      const authorize = authorizeUrl(documents.origin, clientId, challenge);
      const { cookie, consentUrl } = await logIn(authorize);
      expect((await consentForm(consentUrl, cookie)).html).toContain("<strong>Document client</strong>");
      const code = (await approve(authorize, { identity: "agent:alice@team" })).searchParams.get("code")!;
      const tokens = await tokenRequest(documents.origin, {
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
      });
      expect(tokens.status).toBe(200);
      expect(tokens.body.access_token).toStartWith("pboa_");
    } finally {
      await served.stop(true);
    }
  });
});
