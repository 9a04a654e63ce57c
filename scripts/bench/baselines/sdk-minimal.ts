/**
 * The yardstick for patchbay: the smallest server on the same SDK (@modelcontextprotocol/server),
 * one read-only tool, nothing else. `sdk-minimal stdio` serves over stdin/stdout with `serveStdio`;
 * `sdk-minimal http` serves 2025-era sessions (the same transport class patchbay uses for them) on
 * a free loopback port and prints `{"url": …}` once it listens.
 *
 * With an answers file (`sdk-minimal stdio|http ANSWERS.json`, the canned floor's file:
 * tool-calls/canned-answers.ts) it also has a tool of each name there that returns that answer's
 * result as it is: what the SDK's server layer costs for a real tool's answer with no tool work.
 * `sdk-minimal http --json-response` answers each call with one JSON body instead of an SSE
 * stream (the transport's `enableJsonResponse`): the SDK's cheapest HTTP answer.
 */
import { readFileSync } from "node:fs";
import { isInitializeRequest, McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";

interface BunGlobal {
  serve(options: { fetch: (request: Request) => Promise<Response>; hostname: string; port: number; idleTimeout: number }): { port: number };
  unsafe: { setJITPolicy(scale: number): void };
}
const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
// Compiled with patchbay's startup JIT policy (binaries.ts), it ends that policy as patchbay does
// (src/runtime/startup-jit.ts): 250 ms after it started.
setTimeout(() => bun.unsafe.setJITPolicy(1), 250).unref();

type CannedResult = { content: Array<{ type: "text"; text: string }> };
const answersFile = process.argv.slice(2).find((arg) => arg.endsWith(".json"));
const jsonResponse = process.argv.includes("--json-response");
const cannedResults = Object.entries(answersFile ? (JSON.parse(readFileSync(answersFile, "utf8")) as Record<string, [string, string]>) : {}).map(
  ([name, [before, after]]) => [name, (JSON.parse(`${before}0${after}`) as { result: CannedResult }).result] as const,
);

function buildServer(): McpServer {
  const server = new McpServer({ name: "sdk-minimal", version: "0.0.0" });
  server.registerTool("info", { description: "Returns a fixed text.", annotations: { readOnlyHint: true } }, () => ({
    content: [{ type: "text", text: "minimal" }],
  }));
  for (const [name, result] of cannedResults) {
    if (name !== "info") server.registerTool(name, { description: "Returns a fixed answer." }, () => result);
  }
  return server;
}

function serveHttp(): void {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  async function fetch(request: Request): Promise<Response> {
    const id = request.headers.get("mcp-session-id");
    const known = id ? sessions.get(id) : undefined;
    if (known) return known.handleRequest(request);
    const body: unknown = await request.json().catch(() => undefined);
    if (id || !isInitializeRequest(body)) return new Response("session required", { status: 400 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      enableJsonResponse: jsonResponse,
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
      onsessionclosed: (sessionId) => void sessions.delete(sessionId),
    });
    await buildServer().connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  }
  // idleTimeout 0 as in patchbay (src/runtime), so both servers hold keep-alive connections alike.
  const { port } = bun.serve({ fetch, hostname: "127.0.0.1", port: 0, idleTimeout: 0 });
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/mcp` })}\n`);
  process.once("SIGTERM", () => process.exit(0));
}

if (process.argv.includes("http")) serveHttp();
else serveStdio(buildServer);
