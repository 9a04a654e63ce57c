/**
 * What happens to OAuth tokens after they are issued, through the real binary: PKCE, one-time
 * codes, refresh rotation, expiry and revocation (the RFC 7009 endpoint and `patchbay oauth
 * revoke`). A refused token never acts: the message it tried to send never arrives.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectHttp } from "../support/clients.ts";
import { removeTempDirs, runPatchbay } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import {
  approve,
  authorizeUrl,
  grantedTokens,
  mcpPost,
  type OAuthServer,
  pkcePair,
  postForm,
  REDIRECT_URI,
  registerClient,
  startOAuthServer,
  tokenRequest,
} from "./support.ts";

let server: OAuthServer;
let bobToken: string;
let short: OAuthServer;
let shortBob: string;
let strict: OAuthServer;
beforeAll(async () => {
  const [main, shortLived, limited] = await Promise.all([
    startOAuthServer({ agents: ["alice@team", "bob@team"] }),
    startOAuthServer({ agents: ["alice@team", "bob@team"], configToml: "[oauth]\naccess_token_seconds = 2\n" }),
    startOAuthServer({ agents: ["alice@team"], configToml: "[messaging]\nrate_limit_per_minute = 3\nrate_ban_seconds = 120\n" }),
  ]);
  strict = limited.server;
  ({ server } = main);
  bobToken = main.agentTokens["bob@team"]!;
  short = shortLived.server;
  shortBob = shortLived.agentTokens["bob@team"]!;
});
afterAll(async () => {
  await Promise.all([server?.stop(), short?.stop(), strict?.stop()]);
  removeTempDirs();
});

const AS_ALICE = { identity: "agent:alice@team" };

/** What bob has received so far, read with his own agent token. */
async function bobsMessages(url: string, token: string): Promise<string[]> {
  const bob = await connectHttp("v1", url, { token });
  const result = await bob.callTool("inbox");
  await bob.close();
  return ((result.structuredContent as { pending: Array<{ content: string }> }).pending ?? []).map((message) => message.content);
}

/** A tools/call send_message on a new 2025-era session with `bearer`: the HTTP status of the first refused step, or 200. */
async function sendAs(url: string, bearer: string, content: string): Promise<number> {
  const init = await mcpPost(url, bearer, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  if (init.status !== 200) return init.status;
  const session = init.headers.get("mcp-session-id")!;
  const call = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${bearer}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": session,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "send_message", arguments: { to: "bob", content } } }),
  });
  await call.text();
  return call.status;
}

describe("codes", () => {
  test("a wrong PKCE verifier gets no tokens, and does not burn the code for the real client", async () => {
    const { client_id } = await registerClient(server.origin);
    const { verifier, challenge } = pkcePair();
    const code = (await approve(authorizeUrl(server.origin, client_id, challenge), AS_ALICE)).searchParams.get("code")!;
    const exchange = (code_verifier: string) =>
      tokenRequest(server.origin, { grant_type: "authorization_code", code, code_verifier, redirect_uri: REDIRECT_URI, client_id });
    const wrong = await exchange(pkcePair().verifier);
    expect(wrong).toEqual({ status: 400, body: { error: "invalid_grant", error_description: "the PKCE code_verifier does not match the code_challenge" } });
    const right = await exchange(verifier);
    expect(right.status).toBe(200);
    expect(right.body.access_token).toStartWith("pboa_");
  });

  test("an authorization request without PKCE S256 is sent back to the client with invalid_request, and no code", async () => {
    const { client_id } = await registerClient(server.origin);
    const plain = authorizeUrl(server.origin, client_id, "x".repeat(43), { code_challenge_method: "plain" });
    const answer = await fetch(plain, { redirect: "manual" });
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("code")).toBeNull();
  });

  test("a code used twice is refused, and the tokens of its first use stop working", async () => {
    const { client_id } = await registerClient(server.origin);
    const { verifier, challenge } = pkcePair();
    const code = (await approve(authorizeUrl(server.origin, client_id, challenge), AS_ALICE)).searchParams.get("code")!;
    const exchange = () =>
      tokenRequest(server.origin, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id });
    const first = await exchange();
    expect(await sendAs(server.url, first.body.access_token!, "before the replay")).toBe(200);
    expect((await exchange()).body.error).toBe("invalid_grant");
    expect(await sendAs(server.url, first.body.access_token!, "after the replay")).toBe(401);
    const received = await bobsMessages(server.url, bobToken);
    expect(received).toContain("before the replay");
    expect(received).not.toContain("after the replay");
  });
});

describe("refresh", () => {
  test("a refresh rotates both tokens; the old refresh token is refused, and its reuse revokes the grant", async () => {
    const { clientId, refresh } = await grantedTokens(server.origin, AS_ALICE);
    const refreshWith = (refresh_token: string) => tokenRequest(server.origin, { grant_type: "refresh_token", refresh_token, client_id: clientId });
    const rotated = await refreshWith(refresh);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).toStartWith("pbor_");
    expect(rotated.body.refresh_token).not.toBe(refresh);
    expect(await sendAs(server.url, rotated.body.access_token!, "with the rotated token")).toBe(200);
    const replayed = await refreshWith(refresh);
    expect(replayed).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // A replayed refresh token means it leaked: the whole grant goes, the new tokens with it.
    expect(await sendAs(server.url, rotated.body.access_token!, "after the refresh replay")).toBe(401);
    expect((await refreshWith(rotated.body.refresh_token!)).body.error).toBe("invalid_grant");
    expect(await bobsMessages(server.url, bobToken)).not.toContain("after the refresh replay");
  });
});

describe("expiry and revocation", () => {
  test("an expired access token gets 401 and sends nothing; a refresh gives a working one", async () => {
    const { clientId, access, refresh } = await grantedTokens(short.origin, AS_ALICE);
    await until(async () => (await mcpPost(short.url, access, {})).status, "the expired token to be refused", {
      accept: (status) => status === 401,
      timeoutMs: 15_000,
    });
    const refused = await mcpPost(short.url, access, {});
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(await sendAs(short.url, access, "with an expired token")).toBe(401);
    expect(await bobsMessages(short.url, shortBob)).not.toContain("with an expired token");
    const renewed = await tokenRequest(short.origin, { grant_type: "refresh_token", refresh_token: refresh, client_id: clientId });
    expect(renewed.status).toBe(200);
    expect(renewed.body.expires_in).toBe(2);
  });

  test("revoking through RFC 7009 ends the grant: its access token gets 401 and sends nothing", async () => {
    const { clientId, access } = await grantedTokens(server.origin, AS_ALICE);
    expect(await sendAs(server.url, access, "before revoking")).toBe(200);
    const revoked = await postForm(`${server.origin}/oauth/revoke`, new URLSearchParams({ token: access, client_id: clientId }));
    expect(revoked.status).toBe(200);
    expect(await sendAs(server.url, access, "after revoking")).toBe(401);
    const received = await bobsMessages(server.url, bobToken);
    expect(received).toContain("before revoking");
    expect(received).not.toContain("after revoking");
  });

  test("patchbay oauth list shows the grant; patchbay oauth revoke ends it while the server runs", async () => {
    const { clientId, access } = await grantedTokens(server.origin, AS_ALICE);
    const alice = await connectHttp("v2-legacy", server.url, { token: access });
    expect((await alice.callTool("send_message", { to: "bob", content: "before the CLI revoke" })).isError).toBeFalsy();
    const listed = await runPatchbay(["oauth", "list", "--json"], { home: server.home });
    expect(listed.code).toBe(0);
    const { grants } = JSON.parse(listed.stdout) as { grants: Array<{ grant_id: string; client_id: string; access: string; revoked_at: string | null }> };
    const grant = grants.find((g) => g.client_id === clientId)!;
    expect(grant).toMatchObject({ access: "agent alice@team", revoked_at: null });
    expect(listed.stdout).not.toContain(access);

    const revoked = await runPatchbay(["oauth", "revoke", grant.grant_id], { home: server.home });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${grant.grant_id} (Test host, agent alice@team)`);
    // The open session is refused from its next request on.
    await expect(alice.callTool("send_message", { to: "bob", content: "after the CLI revoke" })).rejects.toThrow();
    await alice.close().catch(() => {});
    const received = await bobsMessages(server.url, bobToken);
    expect(received).toContain("before the CLI revoke");
    expect(received).not.toContain("after the CLI revoke");
    const again = await runPatchbay(["oauth", "revoke", grant.grant_id], { home: server.home });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("patchbay oauth list");
  });
});

test("an OAuth token that reaches tool output is redacted", async () => {
  const { access, refresh } = await grantedTokens(server.origin, AS_ALICE);
  expect(await sendAs(server.url, access, `leaked ${access} and ${refresh}`)).toBe(200);
  const received = await bobsMessages(server.url, bobToken);
  expect(received).toContain("leaked [redacted] and [redacted]");
});

test("an agent grant counts against the messaging rate limit like the agent's own token: over it, 429", async () => {
  const { access } = await grantedTokens(strict.origin, AS_ALICE);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await mcpPost(strict.url, access, {})).status);
  expect(statuses.slice(0, 3).every((status) => status !== 401 && status !== 429)).toBe(true);
  const banned = await mcpPost(strict.url, access, {});
  expect(banned.status).toBe(429);
  expect(banned.headers.get("retry-after")).toBe("120");
});
