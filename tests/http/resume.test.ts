/**
 * Long calls over HTTP survive a dropped connection (issue #20): the SDK's real Streamable HTTP
 * clients, through a TCP proxy the test cuts (or one that cuts idle connections itself), resume
 * a 5 s `codex_get_result` with Last-Event-ID and get its result exactly once; the server's own
 * stream polling (server.sse_poll_seconds) does the same; an expired resume is refused at once.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, within } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt } from "../jobs/support.ts";
import { startCutProxy, type CutProxy } from "./cut-proxy.ts";
import { openSession, readCall, resumeFrom } from "./raw-session.ts";
import { ANSWER, connect, expectAnsweredOnce, resumes, slowCall, withWire } from "./resume-client.ts";

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

describe("a long call over HTTP survives a dropped connection", () => {
  for (const generation of ["v1", "v2-legacy"] as const) {
    test(`${generation}: the SSE connection cut while the call waits; the client resumes and gets the result once`, async () => {
      const proxy = await proxyTo(await serve());
      const connection = await connect(generation, proxy.url);
      try {
        let token: string | undefined;
        const pending = slowCall(connection, (id) => (token = id));
        // Cut once the client holds the call stream's priming event: its place to resume from.
        await until(() => token !== undefined, "the stream's first event id", { timeoutMs: 10_000 });
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
      await until(() => token !== undefined, "the stream's first event id", { timeoutMs: 10_000 });
      // The tunnel goes down while the call waits and stays down until its answer has expired.
      proxy.hold(true);
      proxy.cut();
      await until(async () => (await direct.callTool("codex_get_result", { job_id: jobId })).structuredContent?.state, "the job to succeed", {
        accept: (state) => state === "succeeded",
        timeoutMs: 20_000,
      });
      const resumeDirectly = () =>
        fetch(server.url, { headers: { accept: "text/event-stream", "mcp-session-id": connection.sessionId()!, "last-event-id": token! } }).then((answer) =>
          answer.text(),
        );
      await until(resumeDirectly, "the call's kept answer to expire", { accept: (text) => text.includes("is gone"), timeoutMs: 20_000 });
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

  test("a batch's resume after its events were pushed out (server.resume_events) answers every request of the batch, not one", async () => {
    const server = await serve("[server]\nresume_events = 4\n");
    const session = await openSession(server.url, "");
    const headers = { ...json, "mcp-session-id": session };
    const batch = [2, 3].map((id) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "codex_tool_mode_info", arguments: {} } }));
    const posted = await (await fetch(server.url, { method: "POST", headers, body: JSON.stringify(batch) })).text();
    const primingId = /^id: (.+)$/m.exec(posted)![1]!;
    // Three later calls, two events each, leave none of the batch's four among the newest four.
    for (const id of [4, 5, 6]) expect((await readCall(server.url, session, "", id)).status).toBe(200);
    const resumed = await resumeFrom(server.url, session, "", primingId);
    const answers = [...(await resumed.text()).matchAll(/^data: (.+)$/gm)].map((line) => JSON.parse(line[1]!) as { id: number; error?: { message: string } });
    expect(answers.map((answer) => answer.id).sort()).toEqual([2, 3]);
    for (const answer of answers) expect(answer.error?.message).toContain("The answer to this call is gone");
  }, 30_000);

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
    const replayed = await until(async () => (await resume()).text(), "the resume to answer the expired call with an error", {
      accept: (text) => text.includes('"error"'),
      timeoutMs: 10_000,
    });
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
