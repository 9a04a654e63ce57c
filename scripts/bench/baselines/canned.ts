/**
 * The floor of a tool call through the SDK's client: a server with no MCP code that answers each
 * `tools/call` with prepared bytes, a byte-identical copy of a real server's answer with only the
 * request's id put in. Whatever a call to it costs, any server pays for that answer on that
 * transport with that client.
 *
 *   canned stdio ANSWERS.json   # reads lines on stdin, writes the prepared line on stdout
 *   canned http ANSWERS.json    # 2025-era sessions on a free loopback port; prints {"url": …}
 *
 * ANSWERS.json maps a tool name to its answer's JSON-RPC line cut around the id: `[before, after]`.
 * Over HTTP the line goes out in the minimal SDK server's framing: one SSE `message` event on a
 * streamed (chunked) body, the session id in a header.
 */
import { readFileSync } from "node:fs";

type Answers = Record<string, [string, string]>;
interface Message {
  id?: number | string;
  method?: string;
  params?: { name?: string; protocolVersion?: string };
}
interface BunGlobal {
  serve(options: { fetch: (request: Request) => Promise<Response>; hostname: string; port: number; idleTimeout: number }): { port: number };
  unsafe: { setJITPolicy(scale: number): void };
}
const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
// Compiled with patchbay's startup JIT policy (binaries.ts), it ends that policy as patchbay does
// (src/runtime/startup-jit.ts): 250 ms after it started.
setTimeout(() => bun.unsafe.setJITPolicy(1), 250).unref();

const [mode, file] = process.argv.slice(2);
if (!file || (mode !== "stdio" && mode !== "http")) throw new Error("usage: canned stdio|http ANSWERS.json");
const answers = JSON.parse(readFileSync(file, "utf8")) as Answers;
const tools = Object.keys(answers).map((name) => ({ name, inputSchema: { type: "object" } }));

const result = (id: Message["id"], value: unknown) => JSON.stringify({ jsonrpc: "2.0", id, result: value });

/** The answer line for one message, or undefined for a notification. */
function answer(message: Message): string | undefined {
  if (message.id === undefined) return undefined;
  if (message.method === "tools/call") {
    const [before, after] = answers[message.params?.name ?? ""] ?? ["", ""];
    return `${before}${JSON.stringify(message.id)}${after}`;
  }
  if (message.method === "initialize") {
    const version = message.params?.protocolVersion;
    return result(message.id, { protocolVersion: version, capabilities: { tools: {} }, serverInfo: { name: "canned", version: "0.0.0" } });
  }
  if (message.method === "tools/list") return result(message.id, { tools });
  return result(message.id, {});
}

function serveStdio(): void {
  let pending = "";
  process.stdin.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = answer(JSON.parse(pending.slice(0, newline)) as Message);
      pending = pending.slice(newline + 1);
      if (line !== undefined) process.stdout.write(`${line}\n`);
      newline = pending.indexOf("\n");
    }
  });
  process.stdin.on("end", () => process.exit(0));
}

const encoder = new TextEncoder();

/** The SDK's SSE answer: a stream that carries one event and closes. */
function sse(line: string, sessionId: string): Response {
  const bytes = encoder.encode(`event: message\ndata: ${line}\n\n`);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "mcp-session-id": sessionId } });
}

function serveHttp(): void {
  async function fetch(request: Request): Promise<Response> {
    // No standalone GET stream and nothing to end on DELETE: the client accepts 405 for both.
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    const message = (await request.json()) as Message;
    const sessionId = request.headers.get("mcp-session-id") ?? crypto.randomUUID();
    const line = answer(message);
    return line === undefined ? new Response(null, { status: 202 }) : sse(line, sessionId);
  }
  const { port } = bun.serve({ fetch, hostname: "127.0.0.1", port: 0, idleTimeout: 0 });
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/mcp` })}\n`);
  process.once("SIGTERM", () => process.exit(0));
}

if (mode === "http") serveHttp();
else serveStdio();
