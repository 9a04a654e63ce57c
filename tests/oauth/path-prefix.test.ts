/**
 * server.public_url with a path prefix (http://127.0.0.1:PORT/team-a/, loopback so the test needs
 * no TLS): a proxy publishes the real binary under /team-a and strips the prefix, and routes the
 * RFC 8414 / RFC 9728 well-known paths at the root unchanged, as a proxy serving several teams on
 * one host must. The SDK client's own OAuth flow runs end to end through it, so every URL the
 * server hands out, every page's form and the login cookie must carry the prefix.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createServer, request, type Server } from "node:http";
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { removeTempDirs } from "../support/patchbay.ts";
import { ConsentingProvider } from "./sdk-provider.ts";
import { authorizeUrl, logIn, type OAuthServer, pkcePair, registerClient, startOAuthServer } from "./support.ts";

const PREFIX = "/team-a";
let server: OAuthServer;
let proxy: Server;
let publicBase: string;
/** Requests the proxy could not route: neither under the prefix nor a well-known path. */
const unrouted: string[] = [];

/** Forwards `/team-a/…` without the prefix and `/.well-known/…` as it is, with the client's Host; anything else is 404. */
function startProxy(): Promise<number> {
  proxy = createServer((incoming, answer) => {
    const path = incoming.url ?? "/";
    const target = path.startsWith(`${PREFIX}/`) ? path.slice(PREFIX.length) : path.startsWith("/.well-known/") ? path : undefined;
    if (target === undefined || !server) {
      unrouted.push(`${incoming.method} ${path}`);
      answer.writeHead(404).end();
      return;
    }
    const upstream = request(
      { host: "127.0.0.1", port: new URL(server.origin).port, method: incoming.method, path: target, headers: incoming.headers },
      (reply) => {
        answer.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(answer);
      },
    );
    upstream.on("error", () => answer.destroy());
    incoming.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as { port: number }).port)));
}

beforeAll(async () => {
  const port = await startProxy();
  publicBase = `http://127.0.0.1:${port}${PREFIX}`;
  ({ server } = await startOAuthServer({ agents: ["alice@team"], configToml: `[server]\npublic_url = "${publicBase}/"\n` }));
});
afterAll(async () => {
  proxy?.close();
  await server?.stop();
  removeTempDirs();
});

test("the SDK client signs in and calls tools through a proxy that publishes the server under a path prefix", async () => {
  const mcpUrl = new URL(`${publicBase}/mcp`);
  const provider = new ConsentingProvider({ identity: "agent:alice@team" });
  const first = new Client({ name: "sdk-oauth-prefix", version: "1" });
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  expect(await first.connect(transport).catch((error: unknown) => error)).toBeInstanceOf(UnauthorizedError);
  // Discovery went by the RFC 9728 / 8414 places for a resource and an issuer with a path.
  expect(provider.discovery?.resourceMetadataUrl).toBe(`${new URL(publicBase).origin}/.well-known/oauth-protected-resource${PREFIX}/mcp`);
  expect(provider.discovery?.resourceMetadata?.resource).toBe(mcpUrl.href);
  expect(provider.discovery?.authorizationServerMetadata).toMatchObject({
    issuer: publicBase,
    authorization_endpoint: `${publicBase}/oauth/authorize`,
    token_endpoint: `${publicBase}/oauth/token`,
    registration_endpoint: `${publicBase}/oauth/register`,
  });
  expect(provider.callback?.searchParams.get("code")).toStartWith("pboc_");
  expect(provider.callback?.searchParams.get("iss")).toBe(publicBase);
  await transport.finishAuth(provider.callback!.searchParams);

  const client = new Client({ name: "sdk-oauth-prefix", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  const tools = (await client.listTools()).tools.map((tool) => tool.name);
  expect(tools).toContain("send_message");
  await client.close();
  expect(unrouted).toEqual([]);
});

test("under the prefix the login cookie is scoped to the prefixed pages, and the forms post under the prefix", async () => {
  const { client_id } = await registerClient(publicBase);
  const authorize = authorizeUrl(publicBase, client_id, pkcePair().challenge);
  const html = await (await fetch(authorize, { redirect: "manual" })).text();
  expect(html).toContain(`action="${PREFIX}/oauth/login"`);
  const { setCookie, consentUrl } = await logIn(authorize);
  expect(setCookie).toContain(`Path=${PREFIX}/oauth;`);
  expect(consentUrl).toStartWith(`${publicBase}/oauth/authorize?`);
  expect(unrouted).toEqual([]);
});
