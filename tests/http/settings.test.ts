/** HTTP behaviour that depends on settings in config.toml. */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { removeTempDirs, repoRoot, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

async function serverWith(configToml: string): Promise<TestServer> {
  const home = tempDir();
  writeFileSync(`${home}/config.toml`, configToml);
  return startTestServer({ home, args: ["--root", repoRoot] });
}

async function openSession(url: string): Promise<string> {
  const response = await fetch(url, { method: "POST", headers: HEADERS, body: JSON.stringify(INITIALIZE) });
  await response.text();
  const session = response.headers.get("mcp-session-id")!;
  await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  return session;
}

const listTools = (url: string, session: string) =>
  fetch(url, { method: "POST", headers: { ...HEADERS, "mcp-session-id": session }, body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }) });

describe("settings that shape HTTP", () => {
  test("a 2025-era session idle longer than server.session_idle_seconds is closed", async () => {
    const server = await serverWith("[server]\nsession_idle_seconds = 1\n");
    try {
      const session = await openSession(server.url);
      expect((await listTools(server.url, session)).status).toBe(200);
      // A request would reset the idle time: `patchbay status` (over the control port) counts the
      // open sessions without touching it.
      const httpSessions = async () => {
        const status = await runPatchbay(["status", "--json"], { home: server.home });
        return (JSON.parse(status.stdout) as { sessions: { http: number } }).sessions.http;
      };
      expect(await httpSessions()).toBe(1);
      await until(httpSessions, "the idle session to be evicted", { accept: (open) => open === 0, timeoutMs: 20_000 });
      expect((await listTools(server.url, session)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  test("CORS headers only when server.enable_cors, and only for allowed origins", async () => {
    const withCors = await serverWith('[server]\nenable_cors = true\nallowed_origins = ["https://chatgpt.com"]\n');
    const without = await serverWith('[server]\nallowed_origins = ["https://chatgpt.com"]\n');
    try {
      const preflight = await fetch(withCors.url, { method: "OPTIONS", headers: { origin: "https://chatgpt.com", "access-control-request-method": "POST" } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://chatgpt.com");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("mcp-session-id");
      const post = await fetch(withCors.url, { method: "POST", headers: { ...HEADERS, origin: "https://chatgpt.com" }, body: JSON.stringify(INITIALIZE) });
      expect(post.status).toBe(200);
      expect(post.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
      expect((await fetch(withCors.url, { method: "OPTIONS", headers: { origin: "https://evil.example.com" } })).status).toBe(403);
      const noCors = await fetch(without.url, { method: "POST", headers: { ...HEADERS, origin: "https://chatgpt.com" }, body: JSON.stringify(INITIALIZE) });
      expect(noCors.status).toBe(200);
      expect(noCors.headers.get("access-control-allow-origin")).toBeNull();
      expect((await fetch(without.url, { method: "OPTIONS", headers: { origin: "https://chatgpt.com" } })).status).toBe(405);
    } finally {
      await Promise.all([withCors.stop(), without.stop()]);
    }
  });

  test("logging.access_log writes one line per request without the query string", async () => {
    const server = await serverWith("[logging]\naccess_log = true\n");
    try {
      await (await fetch(`${server.url}?patchbay_token=should-not-be-logged`, { method: "POST", headers: HEADERS, body: JSON.stringify(INITIALIZE) })).text();
      // The line is written after the response: wait for it, not for a time.
      await until(() => /POST \/mcp 200 \d+\.\dms/.test(server.stderr()), "the request line in the server's log");
      expect(server.stderr()).not.toContain("should-not-be-logged");
    } finally {
      await server.stop();
    }
  });

  test("a quiet stream outlives Bun's 10 s default idle timeout and still delivers list_changed", async () => {
    const server = await serverWith("");
    try {
      const session = await openSession(server.url);
      const stream = await fetch(server.url, { headers: { accept: "text/event-stream", "mcp-session-id": session } });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      // The opening comment flushes the headers at once instead of at the first 15 s keep-alive.
      expect(decoder.decode((await reader.read()).value)).toBe(": stream open\n\n");
      // Staying quiet past Bun's 10 s default idle timeout is the subject of this test.
      await Bun.sleep(12_000);
      const switched = await fetch(server.url, {
        method: "POST",
        headers: { ...HEADERS, "mcp-session-id": session },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "codex_tool_mode_switch", arguments: { mode: "full" } } }),
      });
      expect(switched.status).toBe(200);
      expect(await switched.text()).toContain('"changed":true');
      let received = "";
      while (!received.includes("notifications/tools/list_changed")) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended; received: ${received}`);
        received += decoder.decode(value);
      }
      await reader.cancel();
    } finally {
      await server.stop();
    }
  }, 30_000);
});
