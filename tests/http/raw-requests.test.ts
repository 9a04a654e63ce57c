/**
 * `/mcp` on the wire: what hand-written clients, browsers and attackers send. Every refusal is
 * checked for its exact status and message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeTempDirs, repoRoot, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

const TOKEN = "test-token-0123456789abcdef0123456789abcdef";
const INITIALIZE = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

let open: TestServer;
let guarded: TestServer;
beforeAll(async () => {
  [open, guarded] = await Promise.all([
    startTestServer({ args: ["--root", repoRoot] }),
    startTestServer({ args: ["--root", repoRoot], env: { PATCHBAY_HTTP_TOKEN: TOKEN } }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
  removeTempDirs();
});

/** Reads a JSON or SSE response body as the JSON-RPC messages it carries. */
async function messages(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) return [JSON.parse(text)];
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)));
}

async function openSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify(INITIALIZE) });
  expect(response.status).toBe(200);
  const session = response.headers.get("mcp-session-id")!;
  await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, ...headers, "mcp-session-id": session },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  return session;
}

describe("sessions", () => {
  test("two clients both using request id 0 get only their own answers", async () => {
    const [a, b] = await Promise.all([openSession(open.url), openSession(open.url)]);
    const call = (session: string, mode: string) =>
      fetch(open.url, {
        method: "POST",
        headers: { ...HEADERS, "mcp-session-id": session },
        body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "tools/call", params: { name: "codex_tool_mode_switch", arguments: { mode } } }),
      }).then(messages);
    const [answerA, answerB] = await Promise.all([call(a, "standard"), call(b, "full")]);
    expect((answerA.at(-1)!.result as { structuredContent: { mode: string } }).structuredContent.mode).toBe("standard");
    expect((answerB.at(-1)!.result as { structuredContent: { mode: string } }).structuredContent.mode).toBe("full");
  });

  test("DELETE ends a session; a later request on it gets 404", async () => {
    const session = await openSession(open.url);
    expect((await fetch(open.url, { method: "DELETE", headers: { "mcp-session-id": session } })).status).toBe(200);
    const after = await fetch(open.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": session },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(after.status).toBe(404);
    expect(((await after.json()) as { error: { code: number } }).error.code).toBe(-32001);
  });

  test("an unknown session id gets 404", async () => {
    const response = await fetch(open.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": "not-a-session" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(404);
  });

  test("GET and DELETE without a session get 400", async () => {
    expect((await fetch(open.url, { headers: { accept: "text/event-stream" } })).status).toBe(400);
    expect((await fetch(open.url, { method: "DELETE" })).status).toBe(400);
  });

  test("/health answers without auth; /sse is gone", async () => {
    const health = await fetch(new URL("/health", guarded.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, name: "patchbay" });
    expect((await fetch(new URL("/sse", open.url))).status).toBe(410);
  });
});

describe("refusals", () => {
  test("malformed JSON gets -32700", async () => {
    const response = await fetch(open.url, { method: "POST", headers: HEADERS, body: "{not json" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  test("a body over server.max_request_bytes gets 413, declared or chunked", async () => {
    const big = JSON.stringify({ ...INITIALIZE, padding: "x".repeat(1_100_000) });
    const declared = await fetch(open.url, { method: "POST", headers: HEADERS, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.text()).toContain("1048576 bytes (server.max_request_bytes)");
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode("x".repeat(100_000)));
        controller.close();
      },
    });
    const chunked = await fetch(open.url, { method: "POST", headers: HEADERS, body: chunks, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  test("a foreign Origin, Origin: null and a foreign Host get 403", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(open.url, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify(INITIALIZE) });
    const evil = await post({ origin: "http://evil.example.com" });
    expect(evil.status).toBe(403);
    expect(await evil.text()).toContain("evil.example.com");
    expect((await post({ origin: "null" })).status).toBe(403);
    expect((await post({ host: "evil.example.com" })).status).toBe(403);
    expect((await post({ origin: "http://localhost:5173" })).status).toBe(200);
  });

  test("with a token: none, a wrong one and a wrong scheme get 401 with WWW-Authenticate; the right one passes", async () => {
    const post = (headers: Record<string, string>, url = guarded.url) =>
      fetch(url, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify(INITIALIZE) });
    const none = await post({});
    expect(none.status).toBe(401);
    // The challenge names the OAuth protected-resource metadata (RFC 9728), where a web host's sign-in starts.
    expect(none.headers.get("www-authenticate")).toBe(
      `Bearer realm="patchbay", resource_metadata="${new URL(guarded.url).origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(await none.text()).toContain("this server needs a token");
    const wrong = await post({ authorization: "Bearer wrong" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(TOKEN);
    expect((await post({ authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await post({}, `${guarded.url}?patchbay_token=${TOKEN}`)).status).toBe(200);
    expect((await fetch(new URL("/status", guarded.url))).status).toBe(401);
    const status = await fetch(new URL("/status", guarded.url), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ pid: guarded.process.pid });
  });

  test("a session opened with the token cannot be used without it", async () => {
    const session = await openSession(guarded.url, { authorization: `Bearer ${TOKEN}` });
    const response = await fetch(guarded.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": session },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
  });

  test("a token in the query is refused when auth.allow_query_token is false", async () => {
    const home = tempDir();
    await Bun.write(`${home}/config.toml`, "[auth]\nallow_query_token = false\n");
    const server = await startTestServer({ home, args: ["--root", repoRoot], env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
    try {
      const response = await fetch(`${server.url}?patchbay_token=${TOKEN}`, { method: "POST", headers: HEADERS, body: JSON.stringify(INITIALIZE) });
      expect(response.status).toBe(401);
      expect(await response.text()).toContain("tokens in the URL are turned off (auth.allow_query_token)");
    } finally {
      await server.stop();
    }
  });

  test("binding beyond loopback without a token refuses to start and says why", async () => {
    const result = await runPatchbay(["start", "--host", "0.0.0.0", "--port", "0"], { home: tempDir() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("refusing to listen on 0.0.0.0 without a token");
    expect(result.stderr).toContain("PATCHBAY_HTTP_TOKEN");
  });

  test("an invalid config refuses to start, naming the key", async () => {
    const home = tempDir();
    await Bun.write(`${home}/config.toml`, '[server]\nport = "abc"\n');
    const result = await runPatchbay(["start"], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('server.port: expected 1-65535, got "abc"');
  });

  test("the token never appears in the server's output", async () => {
    const result = await runPatchbay(["start", "--print-only", "--json"], { home: tempDir(), env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(JSON.parse(result.stdout).setup_guide.auth).toMatchObject({ required: true, token: "[redacted]", token_env: "PATCHBAY_HTTP_TOKEN" });
    const revealed = await runPatchbay(["start", "--print-only", "--json", "--reveal-token"], { home: tempDir(), env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
    expect(JSON.parse(revealed.stdout).setup_guide.auth.token).toBe(TOKEN);
  });
});

describe("beyond loopback", () => {
  test("with a token, binding 0.0.0.0 serves loopback callers that present it and refuses the rest", async () => {
    const server = await startTestServer({ args: ["--host", "0.0.0.0", "--root", repoRoot], env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
    try {
      const url = server.url.replace("0.0.0.0", "127.0.0.1");
      const post = (headers: Record<string, string>) => fetch(url, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify(INITIALIZE) });
      expect((await post({})).status).toBe(401);
      expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      expect((await post({ authorization: `Bearer ${TOKEN}`, host: "evil.example.com" })).status).toBe(403);
    } finally {
      await server.stop();
    }
  });
});
