/**
 * Long calls over HTTP survive a dropped connection (issue #20): the SDK's real Streamable HTTP
 * clients, through a TCP proxy the test cuts (or one that cuts idle connections itself), resume
 * a 5 s `codex_get_result` with Last-Event-ID and get its result exactly once; the server's own
 * stream polling (server.sse_poll_seconds) does the same; an expired resume is refused at once.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as HttpV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from "@modelcontextprotocol/client";
import { connectHttp, eventually, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt } from "../jobs/support.ts";
import { startCutProxy, type CutProxy } from "./cut-proxy.ts";

const ANSWER = "answered after five seconds";
const servers: TestServer[] = [];
const proxies: CutProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all(servers.map((server) => server.stop()));
  removeTempDirs();
});

async function serve(settings = ""): Promise<TestServer> {
  const home = tempDir();
  writeFileSync(join(home, "config.toml"), `[app]\ntool_mode = "full"\n${settings}`);
  const server = await startTestServer({ home, args: ["--root", makeGitRepo({ "a.txt": "a\n" })] });
  servers.push(server);
  return server;
}

async function proxyTo(server: TestServer, options: { idleMs?: number } = {}): Promise<CutProxy> {
  const proxy = await startCutProxy(server.url, options);
  proxies.push(proxy);
  return proxy;
}

interface Connection {
  /** `onToken` hears each event id the client keeps to resume the call's stream from. */
  call(name: string, args: Record<string, unknown>, onToken?: (token: string) => void): Promise<{ structuredContent?: Record<string, unknown> }>;
  /** How many responses (results or errors) reached the client for each request id. */
  responses: Map<string | number, number>;
  sessionId(): string | undefined;
  close(): Promise<void>;
}

/** A real SDK client of either generation over Streamable HTTP, counting the responses it receives. */
async function connect(generation: "v1" | "v2-legacy", url: string): Promise<Connection> {
  const info = { name: "patchbay-resume-tests", version: "1.0.0" };
  const reconnectionOptions = { initialReconnectionDelay: 200, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 30 };
  const client = generation === "v1" ? new ClientV1(info, { capabilities: {} }) : new ClientV2(info, { capabilities: {} });
  const transport = generation === "v1" ? new HttpV1(new URL(url), { reconnectionOptions }) : new HttpV2(new URL(url), { reconnectionOptions });
  await (client as ClientV1).connect(transport as HttpV1);
  const responses = new Map<string | number, number>();
  const deliver = transport.onmessage!;
  transport.onmessage = ((message: { id?: string | number; result?: unknown; error?: unknown }, extra?: unknown) => {
    if (message.id !== undefined && (message.result !== undefined || message.error !== undefined))
      responses.set(message.id, (responses.get(message.id) ?? 0) + 1);
    (deliver as (m: unknown, e?: unknown) => void)(message, extra);
  }) as typeof transport.onmessage;
  const c = client as unknown as { callTool(params: unknown, a?: unknown, b?: unknown): Promise<{ structuredContent?: Record<string, unknown> }> };
  return {
    call: (name, args, onToken) => {
      const options = { timeout: 60_000, onresumptiontoken: onToken };
      return generation === "v1" ? c.callTool({ name, arguments: args }, undefined, options) : c.callTool({ name, arguments: args }, options);
    },
    responses,
    sessionId: () => transport.sessionId,
    close: () => (client as ClientV1).close(),
  };
}

/** Starts a mock job that answers after 5 s and waits for its result: one tool call of about 5 s. */
async function slowCall(connection: Connection, onToken?: (token: string) => void): Promise<{ structuredContent?: Record<string, unknown> }> {
  const started = await connection.call("codex_plan_job", { spec: mockPrompt({ sleep_ms: 5000, message: ANSWER }), agent: "mock" });
  return connection.call("codex_get_result", { job_id: started.structuredContent!.job_id, wait_seconds: 60 }, onToken);
}

function expectAnsweredOnce(result: { structuredContent?: Record<string, unknown> }, connection: Connection): void {
  expect(result.structuredContent?.state).toBe("succeeded");
  expect(JSON.stringify(result.structuredContent)).toContain(ANSWER);
  // Every request of the session got exactly one response: the resumed one was not delivered twice.
  expect([...connection.responses.values()].every((count) => count === 1)).toBe(true);
}

/** The call's answer; if it fails, the failure names the requests and answers that crossed the proxy. */
async function withWire<T>(proxy: CutProxy, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    const lines = (text: string, pattern: RegExp) =>
      text
        .replace(/\r/g, "")
        .split("\n")
        .filter((line) => pattern.test(line))
        .map((line) => line.slice(0, 160));
    const wire = [...lines(proxy.sent(), /^(GET|POST|last-event-id)/i), "--", ...lines(proxy.received(), /^(HTTP\/|id: |data: \{"(jsonrpc|result)")/)];
    throw new Error(`${error}\n${wire.join("\n")}`);
  }
}

/** How often the client resumed the stream of the event id `token` (the call's own, not the GET stream). */
function resumes(proxy: CutProxy, token: string | undefined): number {
  const stream = token?.slice(0, token.lastIndexOf(":"));
  if (!stream) return 0;
  return proxy
    .sent()
    .split(/\r?\n/)
    .filter((line) => line.toLowerCase().startsWith(`last-event-id: ${stream.toLowerCase()}:`)).length;
}

describe("a long call over HTTP survives a dropped connection", () => {
  for (const generation of ["v1", "v2-legacy"] as const) {
    test(`${generation}: the SSE connection cut while the call waits; the client resumes and gets the result once`, async () => {
      const proxy = await proxyTo(await serve());
      const connection = await connect(generation, proxy.url);
      try {
        let token: string | undefined;
        const pending = slowCall(connection, (id) => (token = id));
        // Cut once the client holds the call stream's priming event: its place to resume from.
        await eventually(() => token !== undefined, 10_000);
        const before = proxy.connections();
        proxy.cut();
        const result = await withWire(proxy, pending);
        expectAnsweredOnce(result, connection);
        expect(resumes(proxy, token)).toBeGreaterThan(0);
        expect(proxy.connections()).toBeGreaterThan(before);
      } finally {
        await connection.close();
      }
    }, 60_000);
  }

  test("through a proxy that closes connections idle for 2 s, the 5 s call still gets its result once", async () => {
    const proxy = await proxyTo(await serve(), { idleMs: 2000 });
    const connection = await connect("v2-legacy", proxy.url);
    try {
      let token: string | undefined;
      const result = await withWire(
        proxy,
        slowCall(connection, (id) => (token ??= id)),
      );
      expectAnsweredOnce(result, connection);
      expect(resumes(proxy, token)).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  }, 60_000);

  test("server.sse_poll_seconds: the server closes a long call's stream itself and the client resumes it", async () => {
    const proxy = await proxyTo(await serve("[server]\nsse_poll_seconds = 1\n"));
    const connection = await connect("v2-legacy", proxy.url);
    try {
      let token: string | undefined;
      const result = await withWire(
        proxy,
        slowCall(connection, (id) => (token ??= id)),
      );
      expectAnsweredOnce(result, connection);
      // About five one-second polls of the one call, none of them cut by the test.
      expect(resumes(proxy, token)).toBeGreaterThanOrEqual(2);
    } finally {
      await connection.close();
    }
  }, 60_000);
});

describe("events expire as documented", () => {
  const json = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

  test("a client back after its call's answer expired: the pending call fails at once, saying so", async () => {
    const server = await serve("[server]\nresume_seconds = 1\n");
    const proxy = await proxyTo(server);
    const connection = await connect("v2-legacy", proxy.url);
    const direct = await connectHttp("v1", server.url);
    try {
      const started = await connection.call("codex_plan_job", { spec: mockPrompt({ sleep_ms: 1000, message: ANSWER }), agent: "mock" });
      const jobId = started.structuredContent!.job_id;
      let token: string | undefined;
      const outcome = connection
        .call("codex_get_result", { job_id: jobId, wait_seconds: 60 }, (id) => (token ??= id))
        .then(
          () => "answered",
          (error: unknown) => String(error),
        );
      await eventually(() => token !== undefined, 10_000);
      // The tunnel goes down while the call waits and stays down until its answer has expired.
      proxy.hold(true);
      proxy.cut();
      const deadline = Date.now() + 20_000;
      while ((await direct.callTool("codex_get_result", { job_id: jobId })).structuredContent?.state !== "succeeded" && Date.now() < deadline);
      const resumeDirectly = () =>
        fetch(server.url, { headers: { accept: "text/event-stream", "mcp-session-id": connection.sessionId()!, "last-event-id": token! } }).then((answer) =>
          answer.text(),
        );
      while (!(await resumeDirectly()).includes("is gone") && Date.now() < deadline);
      proxy.hold(false);
      // Back online, the client resumes and its call fails now, with the reason, not at its 60 s timeout.
      const failure = await within(10_000, outcome);
      expect(failure).toContain("The answer to this call is gone");
      expect(failure).toContain("server.resume_seconds");
    } finally {
      await direct.close();
      await connection.close();
    }
  }, 60_000);

  test("a resume from an event older than server.resume_seconds is answered at once with what to do", async () => {
    const server = await serve("[server]\nresume_seconds = 1\n");
    const init = await fetch(server.url, {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
    });
    const session = init.headers.get("mcp-session-id")!;
    await init.text();
    const headers = { ...json, "mcp-session-id": session };
    await (await fetch(server.url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })).text();
    const call = await fetch(server.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "codex_tool_mode_info", arguments: {} } }),
    });
    const primingId = /^id: (.+)$/m.exec(await call.text())![1]!;
    const resume = () => fetch(server.url, { headers: { ...headers, accept: "text/event-stream", "last-event-id": primingId } });

    // While the events are kept, the resume replays the call's result.
    const kept = await resume();
    expect(kept.status).toBe(200);
    expect(await kept.text()).toContain('"id":2');

    // Once they are older than resume_seconds, the resume is answered at once: the call's answer
    // is an error saying it expired and what to do, so a waiting client does not hang.
    const deadline = Date.now() + 10_000;
    let replayed = await (await resume()).text();
    while (!replayed.includes('"error"') && Date.now() < deadline) replayed = await (await resume()).text();
    const answer = JSON.parse(/^data: (.+)$/m.exec(replayed)![1]!) as { id: number; error: { message: string } };
    expect(answer.id).toBe(2);
    expect(answer.error.message).toContain("expired");
    expect(answer.error.message).toContain("server.resume_seconds");

    // A resume from an event the session never had, or whose stream held no answer, is 410 Gone.
    const unknown = await fetch(server.url, { headers: { ...headers, accept: "text/event-stream", "last-event-id": "no-such-stream:1" } });
    expect(unknown.status).toBe(410);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain("server.resume_events");
  }, 30_000);
});
