/**
 * Resumable streams across the servers of a team (issue #20, state.driver "redis"): one real
 * redis-server, two `patchbay start` servers sharing it, and a proxy in front of them that the
 * test switches from A to B, as a load balancer would. The SDK's real HTTP client resumes on B a
 * call running on A and gets its result once; B takes the session over for later requests; a
 * killed A gives a clear error, not a hang; another identity cannot take the session; events
 * expire as documented.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { join } from "node:path";
import { within } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { startCutProxy, type CutProxy } from "./cut-proxy.ts";
import { mockPrompt } from "../jobs/support.ts";
import { grantedTokens, OPERATOR_TOKEN } from "../oauth/support.ts";
import { ANSWER, type Connection, connect, expectAnsweredOnce, resumes, slowCall, withWire } from "./resume-client.ts";

const redisPath = await redisServerPath();
if (!redisPath) throw new Error("redis-server is needed for these tests (apt-get install redis-server)");
const redis = await startRedis(redisPath);
const servers: TestServer[] = [];
const proxies: CutProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all(servers.map((server) => server.stop()));
  await redis.stop();
  removeTempDirs();
});

beforeEach(async () => {
  await redis.command("FLUSHALL");
});

/** A home of the team: the shared Redis state, full tool mode, and `settings` (TOML) added. */
function teamHome(settings = ""): string {
  const home = tempDir();
  writeFileSync(join(home, "config.toml"), `[app]\ntool_mode = "full"\n[state]\ndriver = "redis"\nredis_url = "${redis.url}"\n${settings}`);
  return home;
}

/** Two servers of one team (each its own home, one Redis), serving the same repository; `env` for both (an operator token). */
async function team(settings = "", env: Record<string, string> = {}): Promise<[TestServer, TestServer]> {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const started = await Promise.all([0, 1].map(() => startTestServer({ home: teamHome(settings), args: ["--root", repo], env })));
  servers.push(...started);
  return started as [TestServer, TestServer];
}

async function proxyTo(server: TestServer): Promise<CutProxy> {
  const proxy = await startCutProxy(server.url);
  proxies.push(proxy);
  return proxy;
}

interface CallOnA {
  a: TestServer;
  b: TestServer;
  proxy: CutProxy;
  connection: Connection;
  /** The slow call's answer, or its failure as text. */
  outcome: Promise<{ structuredContent?: Record<string, unknown> } | string>;
  /** The event id the client holds to resume the call's stream from. */
  token: string;
}

/** A team, the SDK's client connected to A through the proxy, and a call on A of about `sleepMs` whose stream the client can resume. */
async function callOnA(settings: string, sleepMs: number): Promise<CallOnA> {
  const [a, b] = await team(settings);
  const proxy = await proxyTo(a);
  const connection = await connect("v2-legacy", proxy.url);
  let token: string | undefined;
  const outcome = slowCall(connection, (id) => (token ??= id), sleepMs).catch((error: unknown) => String(error));
  try {
    await until(() => token !== undefined, "the stream's first event id", { timeoutMs: 10_000 });
  } catch (error) {
    await connection.close();
    throw error;
  }
  return { a, b, proxy, connection, outcome, token: token! };
}

/** Cuts the client's connections and sends new ones to B; the call must end with its result, received once, resumed on B at least `minResumes` times, while A lives. */
async function expectFinishedThroughB({ a, b, proxy, connection, outcome, token }: CallOnA, minResumes: number): Promise<void> {
  proxy.retarget(b.url);
  proxy.cut();
  const result = await withWire(proxy, outcome);
  if (typeof result === "string") throw new Error(result);
  expectAnsweredOnce(result, connection);
  expect(resumes(proxy, token, b.url)).toBeGreaterThanOrEqual(minResumes);
  expect(a.process.exitCode).toBeNull();
}

describe("a call running on server A resumes through server B", () => {
  test("the client's stream is cut and the proxy switched to B: B replays and follows the call, the result arrives once, and B takes the session over", async () => {
    const call = await callOnA("", 5000);
    const { b, proxy, connection } = call;
    try {
      // The call's stream is resumed on B, while A runs the call to its end.
      await expectFinishedThroughB(call, 1);
      // Later requests of the same session go to B, which re-created the session from its record,
      // with the version it negotiated on A: B's stream for the call is resumable too (a priming event).
      let tokenOnB: string | undefined;
      const status = await withWire(
        proxy,
        connection.call("codex_tool_mode_info", {}, (id) => (tokenOnB ??= id)),
      );
      expect(status.structuredContent?.mode).toBe("full");
      expect(tokenOnB).toBeDefined();
      expect(proxy.sent(b.url)).toContain(`mcp-session-id: ${connection.sessionId()}`);
      expect([...connection.responses.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await connection.close();
    }
  }, 60_000);

  test("server.sse_poll_seconds on B too: it closes the followed stream every second, the client resumes there, and A keeps the session and its call while the client is active on B", async () => {
    // A would close a session idle for 4 s, and the call on A takes 8 s: only B's touches (a resume
    // about every 2 s: 1 s open, 1 s retry) keep it.
    const call = await callOnA("[server]\nsse_poll_seconds = 1\nsession_idle_seconds = 4\n", 8000);
    try {
      await expectFinishedThroughB(call, 2);
    } finally {
      await call.connection.close();
    }
  }, 60_000);

  test("a tool mode switched on A holds when the session moves to B", async () => {
    const [a, b] = await team();
    const proxy = await proxyTo(a);
    const connection = await connect("v2-legacy", proxy.url);
    try {
      const switched = await connection.call("codex_tool_mode_switch", { mode: "minimal" });
      expect(switched.structuredContent?.mode).toBe("minimal");
      proxy.retarget(b.url);
      proxy.cut();
      const info = await withWire(proxy, connection.call("codex_tool_mode_info", {}));
      expect(info.structuredContent?.mode).toBe("minimal");
      expect(proxy.sent(b.url)).toContain(`mcp-session-id: ${connection.sessionId()}`);
    } finally {
      await connection.close();
    }
  }, 60_000);

  test("A killed mid-call: the resume through B ends the call at once with an error saying what to do, not a hang", async () => {
    const { a, b, proxy, connection, outcome, token } = await callOnA("", 8000);
    try {
      const died = new Promise<void>((resolve) => a.process.once("exit", () => resolve()));
      a.process.kill("SIGKILL");
      await died;
      proxy.retarget(b.url);
      proxy.cut();
      // Within the dead server's lease (5 s) and a few resumes, far before the client's 60 s timeout.
      const failure = await within(20_000, outcome);
      expect(failure).toContain("stopped before answering");
      expect(failure).toContain("call the tool again");
      expect(resumes(proxy, token, b.url)).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  }, 60_000);

  test("A closes the session under the call (idle past server.session_idle_seconds): the client following it on B gets an error at once", async () => {
    const { a, b, proxy, connection, outcome } = await callOnA("[server]\nsession_idle_seconds = 2\n", 30_000);
    try {
      proxy.retarget(b.url);
      proxy.cut();
      // A is alive (its lease holds), but the call ended with its session there: B must not wait for it.
      const failure = await within(20_000, outcome);
      expect(failure).toContain("closed the session before answering");
      expect(failure).toContain("call the tool again");
      expect(a.process.exitCode).toBeNull();
    } finally {
      await connection.close();
    }
  }, 60_000);
});

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

interface RawSession {
  id: string;
  /** The headers of a request in this session, with `token` as the bearer. */
  headers(token: string): Record<string, string>;
}

/** initialize + initialized over raw HTTP as the caller of `token` ("" for the local caller of a server without a token). */
async function openRaw(url: string, token: string): Promise<RawSession> {
  const bearer = (as: string) => ({ ...JSON_HEADERS, ...(as && { authorization: `Bearer ${as}` }) });
  const params = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } };
  const init = await fetch(url, { method: "POST", headers: bearer(token), body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params }) });
  expect(init.status).toBe(200);
  const id = init.headers.get("mcp-session-id")!;
  await init.text();
  const headers = (as: string) => ({ ...bearer(as), "mcp-session-id": id });
  await (await fetch(url, { method: "POST", headers: headers(token), body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })).text();
  return { id, headers };
}

/** A quick tool call in the session; the id of its stream's priming event (where a resume starts). */
async function quickCall(url: string, session: RawSession, token: string, tool: string): Promise<string> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: tool, arguments: {} } });
  const answer = await (await fetch(url, { method: "POST", headers: session.headers(token), body })).text();
  expect(answer).toContain('"id":2');
  return /^id: (.+)$/m.exec(answer)![1]!;
}

function resumeOn(url: string, session: RawSession, token: string, lastEventId: string): Promise<Response> {
  return fetch(url, { headers: { ...session.headers(token), accept: "text/event-stream", "last-event-id": lastEventId } });
}

async function agentToken(home: string, agent: string): Promise<string> {
  const added = await runPatchbay(["token", "add", agent, "--json"], { home });
  if (added.code !== 0) throw new Error(`token add ${agent} failed: ${added.stderr}`);
  return (JSON.parse(added.stdout) as { token: string }).token;
}

/** Reads an SSE body until `done` holds for what arrived, failing after `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, ms: number, text = ""): Promise<string> {
  const decoder = new TextDecoder();
  let seen = text;
  while (!done(seen)) {
    const chunk = await within(ms, reader.read());
    if (chunk.done) return seen;
    seen += decoder.decode(chunk.value, { stream: true });
  }
  return seen;
}

test("B's resumed stream is live: it opens with its own priming event while the call still runs on A, then carries the answer once and ends", async () => {
  const [a, b] = await team();
  const session = await openRaw(a.url, "");
  const post = (id: number, name: string, args: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(a.url, {
      method: "POST",
      headers: session.headers(""),
      signal,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
    });
  const planned = await (await post(2, "codex_plan_job", { spec: mockPrompt({ sleep_ms: 5000, message: ANSWER }), agent: "mock" })).text();
  const jobId = (JSON.parse(/^data: (.+)$/m.exec(planned)![1]!) as { result: { structuredContent: { job_id: string } } }).result.structuredContent.job_id;
  // The long call's stream on A: keep its priming event, then drop the connection.
  const dropped = new AbortController();
  const waiting = await post(3, "codex_get_result", { job_id: jobId, wait_seconds: 60 }, dropped.signal);
  const onA = waiting.body!.getReader();
  const primingId = /^id: (.+)$/m.exec(await readUntil(onA, (text) => /^id: .+$/m.test(text), 10_000))![1]!;
  dropped.abort();

  const resumed = await resumeOn(b.url, session, "", primingId);
  expect(resumed.status).toBe(200);
  const onB = resumed.body!.getReader();
  const opened = await readUntil(onB, (text) => /^retry: /m.test(text), 10_000);
  expect(opened).not.toContain(ANSWER);
  const ended = await readUntil(onB, () => false, 30_000, opened);
  const answers = [...ended.matchAll(/^data: (\{.+)$/gm)].map((line) => JSON.parse(line[1]!) as { id?: number; result?: unknown });
  expect(answers.filter((message) => message.id === 3 && message.result !== undefined)).toHaveLength(1);
  expect(ended).toContain(ANSWER);
});

/**
 * A session opened on A with `owner`'s token and one call answered there: on B every token of
 * `others` is refused (404) and sees no replay, nor may it post into the session; `owner` gets the
 * answer replayed; the record names `identity`, never the token.
 */
async function expectSessionOnlyFor(a: TestServer, b: TestServer, owner: string, others: string[], identity: string): Promise<void> {
  const session = await openRaw(a.url, owner);
  const primingId = await quickCall(a.url, session, owner, "codex_tool_mode_info");
  for (const other of others) {
    const refused = await resumeOn(b.url, session, other, primingId);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('"id":2');
    const posted = await fetch(b.url, {
      method: "POST",
      headers: session.headers(other),
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "codex_tool_mode_info", arguments: {} } }),
    });
    expect(posted.status).toBe(404);
    expect(await posted.text()).not.toContain('"id":3');
  }
  const replayed = await resumeOn(b.url, session, owner, primingId);
  expect(replayed.status).toBe(200);
  expect(await replayed.text()).toContain('"id":2');
  const record = await redis.command("GET", `patchbay:value:session:${session.id}`);
  expect(record).toContain(`"identity":"${identity}`);
  expect(record).not.toContain(owner);
}

describe("the session's record in Redis", () => {
  test("agent X's session resumed on B with agent Y's token is refused and replays nothing; with X's own token B replays the answer", async () => {
    const [a, b] = await team();
    const x = await agentToken(a.home, "x@team");
    const y = await agentToken(a.home, "y@team");
    await expectSessionOnlyFor(a, b, x, [y], "agent:x@team");
  }, 60_000);

  test("an OAuth operator grant's session is the grant's: on B neither another grant of the operator nor the operator's own token takes it; the grant does", async () => {
    const [a, b] = await team("", { PATCHBAY_HTTP_TOKEN: OPERATOR_TOKEN });
    const origin = new URL(a.url).origin;
    const first = (await grantedTokens(origin, { identity: "operator", mode: "full" })).access;
    const second = (await grantedTokens(origin, { identity: "operator", mode: "full" })).access;
    await expectSessionOnlyFor(a, b, first, [second, OPERATOR_TOKEN], "oauth:");
  }, 60_000);

  test("events expire as documented: past server.resume_seconds a resume on B is answered at once with an error for the call, saying what to do", async () => {
    const [a, b] = await team("[server]\nresume_seconds = 1\n");
    // The local caller (no token): an agent's resumes, polled here, would count against its rate limit.
    const session = await openRaw(a.url, "");
    const primingId = await quickCall(a.url, session, "", "codex_tool_mode_info");
    const replayed = await until(async () => (await resumeOn(b.url, session, "", primingId)).text(), "B to answer the expired call with an error", {
      accept: (text) => text.includes('"error"'),
      timeoutMs: 15_000,
    });
    const answer = JSON.parse(/^data: (.+)$/m.exec(replayed)![1]!) as { id: number; error: { message: string } };
    expect(answer.id).toBe(2);
    expect(answer.error.message).toContain("expired");
    expect(answer.error.message).toContain("server.resume_seconds");

    // A resume from an event the team never had is 410 Gone, as on one server, whatever the id looks like.
    for (const unknown of ["no-such-stream:1-0", "no such stream:1", "::"]) {
      const gone = await resumeOn(b.url, session, "", unknown);
      expect(gone.status).toBe(410);
      expect(((await gone.json()) as { error: { message: string } }).error.message).toContain("server.resume_events");
    }
  }, 60_000);
});

interface LogLine {
  level: string;
  data: unknown;
}

/** The SDK's real HTTP client through `proxy`, keeping the log lines it receives. */
async function loggingClient(proxy: CutProxy): Promise<{ client: Client; lines: LogLine[] }> {
  const client = new Client({ name: "patchbay-team-tests", version: "1.0.0" }, { capabilities: {} });
  const lines: LogLine[] = [];
  client.setNotificationHandler("notifications/message", (notification) => void lines.push(notification.params as LogLine));
  const reconnectionOptions = { initialReconnectionDelay: 200, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 30 };
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.url), { reconnectionOptions }));
  return { client, lines };
}

type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };
const callTool = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args }, { timeout: 60_000 })) as Result;

/** A mock job run to its end through `client`; its id. */
async function runJob(client: Client, plan: Record<string, unknown>): Promise<string> {
  const jobId = String((await callTool(client, "codex_plan_job", { spec: mockPrompt(plan), agent: "mock" })).structuredContent?.job_id);
  await callTool(client, "codex_get_result", { job_id: jobId, wait_seconds: 60 });
  return jobId;
}

/** Sends the client's next connections to `server`, cutting the open ones, and waits until its GET stream is open there. */
async function moveTo(proxy: CutProxy, server: TestServer): Promise<void> {
  const before = proxy.sent(server.url).split(/^GET /m).length;
  proxy.retarget(server.url);
  proxy.cut();
  await until(() => proxy.sent(server.url).split(/^GET /m).length > before, "a resuming GET to reach the server", { timeoutMs: 15_000 });
}

describe("the session's own settings follow it across the team", () => {
  test("logging/setLevel warning and the client_ref from A hold on B: a job's info events are not sent, its failure and a refused call are, and self test names the same client_ref", async () => {
    const [a, b] = await team();
    const proxy = await proxyTo(a);
    const { client, lines } = await loggingClient(proxy);
    try {
      await client.setLoggingLevel("warning");
      const clientRef = (await callTool(client, "codex_self_test")).structuredContent?.client_ref;
      expect(clientRef).toMatch(/^client_/);
      await moveTo(proxy, b);

      expect((await callTool(client, "codex_self_test")).structuredContent?.client_ref).toBe(clientRef);
      expect(proxy.sent(b.url)).toContain(`mcp-session-id: ${client.transport?.sessionId}`);
      // Failures before and after the successful job: B's GET stream carried the log lines on either side of it.
      const first = await runJob(client, { fail: "first failure" });
      const succeeded = await runJob(client, { message: "all good" });
      const last = await runJob(client, { fail: "last failure" });
      const refused = await callTool(client, "codex_plan_job", { spec: "x", agent: "mock", repo_path: "/" });
      expect(refused.isError).toBe(true);
      const about = (jobId: string) => lines.filter((line) => String(line.data).includes(jobId));
      await until(() => about(first).length > 0 && about(last).some((line) => line.level === "error"), "both jobs' lines", { timeoutMs: 15_000 });
      await until(() => lines.some((line) => line.level === "warning" && String(line.data).startsWith("codex_plan_job refused")), "the refusal's warning", {
        timeoutMs: 15_000,
      });

      expect(about(succeeded)).toEqual([]);
      expect(lines.filter((line) => line.level === "info" || line.level === "debug" || line.level === "notice")).toEqual([]);
    } finally {
      await client.close();
    }
  }, 90_000);

  test("a tool mode switched through B holds on A, which still holds the session: A's tool list is the new mode's and a tool outside it is refused", async () => {
    const [a, b] = await team();
    const proxy = await proxyTo(a);
    const { client } = await loggingClient(proxy);
    try {
      const listed = async () => (await client.listTools()).tools.map((tool) => tool.name);
      expect(await listed()).toContain("codex_apply_job");
      proxy.retarget(b.url);
      proxy.cut();
      expect((await callTool(client, "codex_tool_mode_switch", { mode: "minimal" })).structuredContent?.mode).toBe("minimal");
      proxy.retarget(a.url);
      proxy.cut();

      expect(await listed()).not.toContain("codex_apply_job");
      expect(await listed()).toContain("codex_open_workspace");
      const refused = await callTool(client, "codex_apply_job", { spec: mockPrompt({ message: "x" }), agent: "mock" });
      expect(refused.isError).toBe(true);
      expect((refused._meta?.["patchbay/error"] as { code?: string }).code).toBe("tool_not_in_mode");
      expect(refused.structuredContent?.job_id).toBeUndefined();
      expect(proxy.sent(a.url).split(`mcp-session-id: ${client.transport?.sessionId}`).length).toBeGreaterThan(2);
    } finally {
      await client.close();
    }
  }, 90_000);
});
