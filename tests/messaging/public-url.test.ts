/**
 * The URLs patchbay hands out (attachment URLs, the self test's endpoints, the start guide) reach
 * the server from where the caller is: server.public_url when set, never a wildcard listen
 * address, never loopback to a remote caller. Through the compiled binary and real SDK clients.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { connectHttp, connectStdio, type TestClient } from "../support/clients.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const OPERATOR = "operator-token-0123456789abcdef0123456789abcdef";
let cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function addAgent(home: string, name: string): Promise<string> {
  const result = await runPatchbay(["token", "add", "--namespace", "team", name, "--json"], { home });
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { token: string }).token;
}

async function serve(options: { home: string; args?: string[] }): Promise<TestServer> {
  const server = await startTestServer({ ...options, env: { PATCHBAY_HTTP_TOKEN: OPERATOR } });
  cleanup.push(() => server.stop());
  return server;
}

async function connect(url: string, token: string, generation: "v1" | "v2-legacy" | "v2-modern" = "v2-legacy"): Promise<TestClient> {
  const client = await connectHttp(generation, url, { token });
  cleanup.push(() => client.close());
  return client;
}

async function structured<T>(client: TestClient, tool: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool(tool, args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as T;
}

interface Upload {
  path: string;
  upload_url: string;
}

test("with server.public_url set, the URLs handed out start with it and a second client downloads through it", async () => {
  // A reverse proxy that serves patchbay under /patchbay/ on another port: the public URL.
  let target = "";
  const proxy = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (!url.pathname.startsWith("/patchbay/")) return new Response("not here", { status: 404 });
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      return fetch(`${target}${url.pathname.slice("/patchbay".length)}${url.search}`, { method: request.method, headers: request.headers, body });
    },
  });
  cleanup.push(() => proxy.stop(true));
  const publicUrl = `http://127.0.0.1:${proxy.port}/patchbay`;
  const home = tempDir();
  writeFileSync(`${home}/config.toml`, `[server]\npublic_url = "${publicUrl}/"\n`);
  const [alice, bob] = [await addAgent(home, "alice"), await addAgent(home, "bob")];
  const server = await serve({ home });
  target = new URL(server.url).origin;

  const sender = await connect(server.url, alice);
  const upload = await structured<Upload>(sender, "upload_attachment", { filename: "notes.md" });
  expect(upload.upload_url.startsWith(`${publicUrl}/attachments/team/alice/`)).toBe(true);
  expect((await fetch(upload.upload_url, { method: "PUT", body: "# through the proxy" })).status).toBe(201);

  const reader = await connect(server.url, bob, "v2-modern");
  const got = await structured<{ download_url: string; text: string }>(reader, "get_attachment", { path: upload.path });
  expect(got.text).toBe("# through the proxy");
  expect(got.download_url.startsWith(`${publicUrl}/attachments/${upload.path}?`)).toBe(true);
  const download = await fetch(got.download_url);
  expect(download.status).toBe(200);
  expect(await download.text()).toBe("# through the proxy");

  const selfTest = await sender.callTool("codex_self_test", {});
  expect((selfTest.structuredContent as { endpoints: Array<{ url: string }> }).endpoints.map((endpoint) => endpoint.url)).toContain(`${publicUrl}/mcp`);
  // The text says it too, for hosts whose model reads only the text (docs/hosts.md).
  expect(selfTest.content?.map((block) => block.text).join("")).toContain(`${publicUrl}/mcp (http)`);
});

test("a wildcard listen without server.public_url never hands out 0.0.0.0, nor loopback to a remote caller", async () => {
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === "IPv4" && !address.internal)?.address;
  expect(lan, "this test needs a non-loopback IPv4 interface").toBeDefined();
  const home = tempDir();
  const alice = await addAgent(home, "alice");
  const server = await serve({ home, args: ["--host", "0.0.0.0"] });
  // The start guide shows the listener as a local host reaches it.
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  const port = new URL(server.url).port;

  const local = await connect(`http://127.0.0.1:${port}/mcp`, alice);
  const remote = await connect(`http://${lan}:${port}/mcp`, alice, "v2-modern");
  const relayed = await connectStdio("v2-legacy", { home, env: { PATCHBAY_HTTP_TOKEN: OPERATOR } });
  cleanup.push(() => relayed.close());

  const expected: Array<[TestClient, string, Record<string, unknown>]> = [
    [local, `http://127.0.0.1:${port}`, {}],
    [relayed, `http://127.0.0.1:${port}`, { as: "alice@team" }],
    [remote, `http://${lan}:${port}`, {}],
  ];
  for (const [client, origin, as] of expected) {
    const upload = await structured<Upload>(client, "upload_attachment", { filename: "a.txt", ...as });
    expect(upload.upload_url.startsWith(`${origin}/attachments/`)).toBe(true);
    expect((await fetch(upload.upload_url, { method: "PUT", body: "x" })).status).toBe(201);
    const everything = JSON.stringify([
      upload,
      await client.callTool("get_attachment", { path: upload.path, ...as }),
      await client.callTool("codex_self_test", {}),
    ]);
    expect(everything).not.toContain("0.0.0.0");
    if (client === remote) expect(everything).not.toMatch(/127\.0\.0\.1|localhost|\[::1\]/);
  }
  // /status lists the server's URLs as each caller reaches them.
  const statusOf = async (origin: string) =>
    (await (await fetch(`${origin}/status`, { headers: { authorization: `Bearer ${alice}` } })).json()) as { http: string[] };
  expect((await statusOf(`http://127.0.0.1:${port}`)).http).toEqual([`http://127.0.0.1:${port}/mcp`]);
  expect((await statusOf(`http://${lan}:${port}`)).http).toEqual([`http://${lan}:${port}/mcp`]);
});

test("while a tunnel runs, its public URL is the base of the URLs handed out, also to a local caller", async () => {
  const home = tempDir();
  const alice = await addAgent(home, "alice");
  const tunnelUrl = "https://patchbay-tunnel.example.test";
  const server = await serve({ home, args: ["--tunnel-mode", "custom", "--public-url", tunnelUrl] });
  const client = await connect(server.url, alice);
  const upload = await structured<Upload>(client, "upload_attachment", { filename: "t.txt" });
  expect(upload.upload_url.startsWith(`${tunnelUrl}/attachments/team/alice/`)).toBe(true);
  // What the tunnel forwards (the same path and query) reaches the server and stores the file.
  const forwarded = new URL(upload.upload_url);
  expect((await fetch(`${new URL(server.url).origin}${forwarded.pathname}${forwarded.search}`, { method: "PUT", body: "via tunnel" })).status).toBe(201);
  const got = await structured<{ download_url: string; text: string }>(client, "get_attachment", { path: upload.upload_url });
  expect(got.text).toBe("via tunnel");
  expect(got.download_url.startsWith(`${tunnelUrl}/attachments/`)).toBe(true);
});

test("the start guide: a wildcard listen is shown as loopback, server.public_url as the public URL the connector uses", async () => {
  const home = tempDir();
  writeFileSync(`${home}/config.toml`, `[server]\npublic_url = "https://pb.example.test/patchbay"\n`);
  const printed = await runPatchbay(["start", "--print-only", "--json", "--host", "0.0.0.0", "--port", "8123"], { home });
  expect(printed.code, printed.stderr).toBe(0);
  expect(printed.stdout).not.toContain("://0.0.0.0"); // the listen address is shown as bound, never as a URL to use
  const { setup_guide: guide } = JSON.parse(printed.stdout) as {
    setup_guide: { server_url: string; tunnel: { public_url: string }; chatgpt: { connector_url: string } };
  };
  expect(guide.server_url).toBe("http://127.0.0.1:8123/mcp");
  expect(guide.tunnel.public_url).toBe("https://pb.example.test/patchbay");
  expect(guide.chatgpt.connector_url).toBe("https://pb.example.test/patchbay/mcp");
  const text = await runPatchbay(["start", "--print-only", "--host", "0.0.0.0", "--port", "8123"], { home });
  expect(text.stdout).toContain("public URL: https://pb.example.test/patchbay");
});
