/**
 * The HTTP path of one tool call, piece by piece, in one process (no socket, no client process):
 * a 2025-11-25 session's `tools/call` through the whole app (`createHttpApp`: Elysia, guards,
 * body, endpoint, the SDK's transport, SSE, event store, the answer's bytes read to the end),
 * through the endpoint alone, and through the registry alone; beside it the minimal SDK
 * server's transport with its one trivial tool, driven the same way. What the socket and the
 * client add is the tool-calls bench's business; this one says where the server's own time goes.
 *
 *   bun scripts/bench/http-path.ts                       # every tool, 3,000 calls each after 500
 *   bun scripts/bench/http-path.ts --only codex_read_file --calls 10000
 *   bun --cpu-prof --cpu-prof-interval=50 scripts/bench/http-path.ts --only codex_read_file   # where, by function
 */
import { parseArgs } from "node:util";
import { type EventStore, isInitializeRequest, type JSONRPCMessage, McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { ALL_TOOLS, createApp } from "../../src/app/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { allowedHostnames, allowedOriginHostnames, createHttpApp, createMcpEndpoint, originGuard } from "../../src/http/index.ts";
import { createSession, createToolRegistry } from "../../src/mcp/index.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { median } from "./stats.ts";
import { generateRepo } from "./workspace/fixture.ts";

const { values } = parseArgs({ options: { only: { type: "string", multiple: true }, calls: { type: "string" }, warmup: { type: "string" } } });
const calls = Number(values.calls ?? 3000);
const warmup = Number(values.warmup ?? 500);
const TOOLS: Record<string, Record<string, unknown>> = {
  codex_read_file: { file_path: "pkg0000/file001.ts" },
  codex_list_workspaces: {},
  codex_worker_list: {},
  codex_tool_mode_info: {},
  codex_git_status: {},
};
const tools = values.only ?? Object.keys(TOOLS);
const URL_ = "http://127.0.0.1:7777/mcp";
const VERSION = "2025-11-25";

type Fetch = (request: Request) => Promise<Response>;

/** A POST as the SDK's client sends it on a session. */
function post(body: unknown, sessionId?: string): Request {
  const headers: Record<string, string> = {
    host: "127.0.0.1:7777",
    accept: "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": VERSION,
  };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  return new Request(URL_, { method: "POST", headers, body: JSON.stringify(body) });
}

/** Opens a session on `fetch` and returns a function that makes one call and reads its answer to the end. */
async function openSession(fetch: Fetch): Promise<(name: string, args: Record<string, unknown>) => Promise<void>> {
  const init = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  };
  const opened = await fetch(post(init));
  const sessionId = opened.headers.get("mcp-session-id") ?? undefined;
  const answer = await opened.text();
  if (!sessionId) throw new Error(`initialize opened no session: ${opened.status} ${answer.slice(0, 300)}`);
  await (await fetch(post({ jsonrpc: "2.0", method: "notifications/initialized" }, sessionId))).text();
  let id = 1;
  return async (name, args) => {
    const response = await fetch(post({ jsonrpc: "2.0", id: id++, method: "tools/call", params: { name, arguments: args } }, sessionId));
    const text = await response.text();
    if (!text.includes('"result"') || text.includes('"isError":true')) throw new Error(`${name} failed: ${text.slice(0, 300)}`);
  };
}

/** The smallest event store that makes the SDK's streams resumable: every event kept in an array. */
function arrayEventStore(): EventStore {
  const events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}:${events.length}`;
      events.push({ id, streamId, message });
      return id;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const from = events.findIndex((event) => event.id === lastEventId);
      const streamId = events[from]?.streamId ?? "";
      for (const event of events.slice(from + 1)) if (event.streamId === streamId) await send(event.id, event.message);
      return streamId;
    },
  };
}

/** The minimal SDK server's HTTP mode (scripts/bench/baselines/sdk-minimal.ts), in process; `resumable` adds an event store, as patchbay has. */
function sdkMinimalFetch(resumable = false): Fetch {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  return async (request) => {
    const id = request.headers.get("mcp-session-id");
    const known = id ? sessions.get(id) : undefined;
    if (known) return known.handleRequest(request);
    const body: unknown = await request.json();
    if (!isInitializeRequest(body)) return new Response("session required", { status: 400 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
      ...(resumable && { eventStore: arrayEventStore(), retryInterval: 1000 }),
    });
    const server = new McpServer({ name: "sdk-minimal", version: "0.0.0" });
    server.registerTool("info", { description: "Returns a fixed text.", annotations: { readOnlyHint: true } }, () => ({
      content: [{ type: "text", text: "minimal" }],
    }));
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  };
}

async function time(call: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmup; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return median(samples) * 1000;
}

try {
  const repo = tempDir("patchbay-bench-http-path-repo-");
  generateRepo(repo, 200);
  const home = tempDir("patchbay-bench-http-path-home-");
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home });
  const host = createApp({ version: "bench", home, config, store, activeSessions: () => 1, endpoints: () => [] });
  const registry = createToolRegistry(ALL_TOOLS);
  const scope = { defaultRoot: repo, allowedRoots: [repo], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } };
  const endpoint = createMcpEndpoint({ host, registry, scope, defaultMode: "full", maxRequestBytes: config.server.max_request_bytes, sessionIdleMs: 600_000 });
  const app = createHttpApp({
    version: "bench",
    endpoint,
    originGuard: originGuard(allowedHostnames(config, "127.0.0.1"), allowedOriginHostnames(config)),
    auth: { allowQueryToken: false },
    maxRequestBytes: config.server.max_request_bytes,
    corsOrigins: undefined,
    status: async () => ({}),
  });
  const whole = await openSession(app.fetch);
  const endpointOnly = await openSession(async (request) => endpoint.handle(request, "local", await request.json()));
  const session = createSession({ transport: "http", principal: "local", mode: "full", scope });
  const context = {
    app: host,
    session,
    signal: new AbortController().signal,
    progress: { report: async () => {}, settle: async () => {} },
    catalog: registry,
  };
  const sdk = await openSession(sdkMinimalFetch());
  const us = (value: number) => `${value.toFixed(0)} µs`;
  process.stdout.write(`median of ${calls} calls after ${warmup}, in process (Bun ${Bun.version})\n\n`);
  process.stdout.write("| tool | whole app (`createHttpApp`) | endpoint only | registry only (tool, local details, audit) |\n|---|--:|--:|--:|\n");
  for (const name of tools) {
    const args = TOOLS[name];
    if (!args) throw new Error(`--only takes ${Object.keys(TOOLS).join(", ")}`);
    const figures = [
      await time(() => whole(name, args)),
      await time(() => endpointOnly(name, args)),
      await time(async () => void (await registry.call(name, args, context))),
    ];
    process.stdout.write(`| \`${name}\` | ${figures.map(us).join(" | ")} |\n`);
  }
  process.stdout.write(`| minimal SDK server, \`info\` (transport only) | ${us(await time(() => sdk("info", {})))} | — | — |\n`);
  const resumable = await openSession(sdkMinimalFetch(true));
  process.stdout.write(`| the same with an event store (resumable streams, as patchbay's) | ${us(await time(() => resumable("info", {})))} | — | — |\n`);
  await endpoint.close();
  await host.jobs.stop();
  await host.messaging.close();
  await store.close();
} finally {
  removeTempDirs();
}
