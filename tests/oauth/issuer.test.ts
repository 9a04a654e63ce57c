/**
 * Which URL the authorization server names itself by, through the real binary: server.public_url
 * for remote callers, the caller's own loopback origin on this machine, and never a plain-http
 * issuer off this machine.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { request } from "node:http";
import { removeTempDirs } from "../support/patchbay.ts";
import { type OAuthServer, startOAuthServer } from "./support.ts";

let server: OAuthServer;
let lan: OAuthServer;
beforeAll(async () => {
  const [published, unpublished] = await Promise.all([
    startOAuthServer({ configToml: '[server]\npublic_url = "https://pb.example.com"\npublic_hosts = ["pb.example.com"]\n' }),
    startOAuthServer({ configToml: '[server]\npublic_hosts = ["lan.example"]\n' }),
  ]);
  server = published.server;
  lan = unpublished.server;
});
afterAll(async () => {
  await Promise.all([server?.stop(), lan?.stop()]);
  removeTempDirs();
});

/** A GET to this server with the Host header a proxy or tunnel would send. */
function getWithHost(path: string, host: string, to = server): Promise<{ status: number; body: string }> {
  const { port } = new URL(to.origin);
  return new Promise((resolve, reject) => {
    const sent = request({ host: "127.0.0.1", port, path, headers: { host } }, (response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on("error", reject);
    sent.end();
  });
}

test("a remote caller is given server.public_url as the issuer; a caller on this machine its own origin", async () => {
  const remote = await getWithHost("/.well-known/oauth-authorization-server", "pb.example.com");
  expect(remote.status).toBe(200);
  expect(JSON.parse(remote.body)).toMatchObject({ issuer: "https://pb.example.com", token_endpoint: "https://pb.example.com/oauth/token" });
  const local = (await (await fetch(`${server.origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
  expect(local.resource).toBe(server.url);
});

test("a 401 to a remote caller names the public metadata URL", async () => {
  const { port } = new URL(server.origin);
  const header = await new Promise<string | undefined>((resolve, reject) => {
    const sent = request(
      { host: "127.0.0.1", port, path: "/mcp", method: "POST", headers: { host: "pb.example.com", "content-type": "application/json" } },
      (response) => {
        response.resume();
        resolve(response.headers["www-authenticate"]);
      },
    );
    sent.on("error", reject);
    sent.end("{}");
  });
  expect(header).toBe('Bearer realm="patchbay", resource_metadata="https://pb.example.com/.well-known/oauth-protected-resource/mcp"');
});

test("without server.public_url a plain-http host off this machine gets no OAuth, and is told what to set", async () => {
  const answer = await getWithHost("/oauth/authorize?client_id=x", "lan.example", lan);
  expect(answer.status).toBe(400);
  expect(answer.body).toContain("OAuth needs HTTPS, and http://lan.example is plain http off this machine: set server.public_url");
  const metadata = await getWithHost("/.well-known/oauth-authorization-server", "lan.example", lan);
  expect(metadata.status).toBe(404);
  expect(JSON.parse(metadata.body)).toEqual({ error: "invalid_request", error_description: expect.stringContaining("OAuth needs HTTPS") });
});
