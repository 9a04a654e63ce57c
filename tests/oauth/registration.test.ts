/**
 * Dynamic client registration is open to anyone who reaches the server, so it is bounded, through
 * the real binary over real HTTP: a cap on stored clients, expiry of clients no consent used, and
 * a per-address rate limit. `patchbay oauth list` shows the clients and when each expires.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, startTestServer } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { authorizeUrl, OPERATOR_TOKEN, pkcePair, REDIRECT_URI, approve, startOAuthServer, tokenRequest } from "./support.ts";

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  removeTempDirs();
});

interface Registration {
  status: number;
  retryAfter: string | undefined;
  body: { client_id?: string; error?: string; error_description?: string };
}

/** A registration POST from `localAddress` (a loopback address of this machine), as a second host on the network would send it. */
function registerFrom(origin: string, name: string, localAddress = "127.0.0.1"): Promise<Registration> {
  const { port } = new URL(origin);
  const body = JSON.stringify({ client_name: name, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" });
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: "127.0.0.1", port, path: "/oauth/register", method: "POST", localAddress, headers: { "content-type": "application/json" } },
      (response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] as string | undefined, body: JSON.parse(text) }),
        );
      },
    );
    sent.on("error", reject);
    sent.end(body);
  });
}

interface Listed {
  grants: Array<{ client_id: string }>;
  clients: Array<{ client_id: string; client: string; registered_at: string; expires_at: string | null }>;
}

async function listed(home: string): Promise<Listed> {
  const answer = await runPatchbay(["oauth", "list", "--json"], { home });
  expect(answer.code).toBe(0);
  return JSON.parse(answer.stdout) as Listed;
}

const storedClients = (home: string) => readdirSync(join(home, "state", "records", "oauth_client"));

test("registering past oauth.max_clients is refused with invalid_client_metadata and stores nothing", async () => {
  const { server } = await startOAuthServer({ configToml: "[oauth]\nmax_clients = 3\n" });
  stops.push(server.stop);
  for (const name of ["first", "second", "third"]) expect((await registerFrom(server.origin, name)).status).toBe(201);
  const refused = await registerFrom(server.origin, "fourth");
  expect(refused.status).toBe(400);
  expect(refused.body.error).toBe("invalid_client_metadata");
  expect(refused.body.client_id).toBeUndefined();
  expect((await listed(server.home)).clients.map((client) => client.client).sort()).toEqual(["first", "second", "third"]);
  expect(storedClients(server.home)).toHaveLength(3);
});

test("a registration no consent used expires after oauth.unused_client_seconds; one with a grant stays", async () => {
  const { server } = await startOAuthServer({ agents: ["alice@team"] });
  const unused = (await registerFrom(server.origin, "never approved")).body.client_id!;
  const used = (await registerFrom(server.origin, "approved")).body.client_id!;
  const { verifier, challenge } = pkcePair();
  const back = await approve(authorizeUrl(server.origin, used, challenge), { identity: "agent:alice@team" });
  const first = await tokenRequest(server.origin, {
    grant_type: "authorization_code",
    code: back.searchParams.get("code")!,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    client_id: used,
  });
  expect(first.status).toBe(200);
  // By default an unused registration is kept a day: `patchbay oauth list` says until when.
  const before = await listed(server.home);
  const shown = before.clients.find((client) => client.client_id === unused)!;
  expect(Date.parse(shown.expires_at!) - Date.parse(shown.registered_at)).toBe(86_400_000);
  expect(before.clients.find((client) => client.client_id === used)!.expires_at).toBeNull();
  await server.stop();

  // The same state under a one-second window: time passes for the unused client without a sleep in the test.
  writeFileSync(join(server.home, "config.toml"), "[oauth]\nunused_client_seconds = 1\n");
  const again = await startTestServer({ home: server.home, env: { PATCHBAY_HTTP_TOKEN: OPERATOR_TOKEN } });
  stops.push(again.stop);
  const origin = new URL(again.url).origin;
  const page = await until(
    async () => (await fetch(authorizeUrl(origin, unused, pkcePair().challenge), { redirect: "manual" })).text(),
    "the unused client to be swept",
    { accept: (text) => text.includes("Unknown client"), timeoutMs: 20_000 },
  );
  expect(page).toContain(`No client is registered as ${unused}.`);
  const after = await listed(server.home);
  expect(after.clients.map((client) => client.client_id)).toEqual([used]);
  expect(storedClients(server.home)).toHaveLength(1);
  // The client with a grant keeps working: its refresh token is honoured and its authorization request shows the login form.
  const refreshed = await tokenRequest(origin, { grant_type: "refresh_token", refresh_token: first.body.refresh_token!, client_id: used });
  expect(refreshed.status).toBe(200);
  expect(await (await fetch(authorizeUrl(origin, used, pkcePair().challenge), { redirect: "manual" })).text()).toContain('name="token"');
});

test("a flood of registrations from one address gets 429 with Retry-After and stores nothing; another address still registers", async () => {
  const { server } = await startOAuthServer({ configToml: "[oauth]\nregistrations_per_minute = 3\n" });
  stops.push(server.stop);
  const flood: Registration[] = [];
  for (let i = 0; i < 6; i++) flood.push(await registerFrom(server.origin, `flood ${i}`, "127.0.0.2"));
  expect(flood.map((answer) => answer.status)).toEqual([201, 201, 201, 429, 429, 429]);
  const retry = Number(flood[3]!.retryAfter);
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
  const other = await registerFrom(server.origin, "another host", "127.0.0.3");
  expect(other.status).toBe(201);
  expect((await listed(server.home)).clients.map((client) => client.client).sort()).toEqual(["another host", "flood 0", "flood 1", "flood 2"]);
});
