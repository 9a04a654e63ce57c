/**
 * The common core of the scripted fake model APIs: an HTTP server on 127.0.0.1 (port 0) that
 * records every request (method, path, query, headers, parsed JSON body) and answers each model
 * request with the next reply of its script. A reply is either protocol-specific (the wire module
 * turns it into an SSE stream) or an HTTP error status with a body. When the script is exhausted the
 * server answers HTTP 500 "fake API: script exhausted", so a test that under-scripts fails loudly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string without "?", "" when there is none. */
  query: string;
  headers: Record<string, string>;
  /** The body parsed as JSON, or the raw text when it is not JSON, or undefined when empty. */
  body: any;
  /** True when the request was answered outside the script (e.g. Gemini's router classifier). */
  auxiliary: boolean;
}

/** Answer this model request with an HTTP error: `status` and `body` (an object is sent as JSON). */
export interface HttpErrorReply {
  kind: "http_error";
  status: number;
  body: unknown;
}

export function httpError(status: number, body: unknown): HttpErrorReply {
  return { kind: "http_error", status, body };
}

/** Accept this model request and never answer it (a hung API); `stop()` drops the connection. */
export interface HangReply {
  kind: "hang";
}

export function hang(): HangReply {
  return { kind: "hang" };
}

export function isHttpError(reply: unknown): reply is HttpErrorReply {
  return typeof reply === "object" && reply !== null && (reply as { kind?: string }).kind === "http_error";
}

export interface FakeApi<Reply> {
  /** `http://127.0.0.1:PORT` (no trailing slash, no path). */
  origin: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The scripted (non-auxiliary) requests only. */
  modelRequests(): RecordedRequest[];
  /** Appends replies to the script. */
  script(...replies: Reply[]): void;
  /** How many scripted replies are still waiting. */
  remaining(): number;
  /** Closes the server (and any open connections). */
  stop(): Promise<void>;
}

export interface WireHandler<Reply> {
  /**
   * Called for every request. Return "scripted" to consume the next script reply (then `respond`
   * is called with it), or handle the request yourself and return "handled" (an auxiliary answer).
   */
  route(request: RecordedRequest, res: ServerResponse): "scripted" | "handled";
  respond(reply: Reply, request: RecordedRequest, res: ServerResponse, index: number): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  res.end(text);
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
}

/** Starts a fake API with `handler` on 127.0.0.1, port 0. */
export async function startFakeApi<Reply>(handler: WireHandler<Reply>, initial: Reply[] = []): Promise<FakeApi<Reply>> {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [...initial];
  let served = 0;
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
      const request: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        headers,
        body: parseBody(await readBody(req)),
        auxiliary: false,
      };
      requests.push(request);
      if (handler.route(request, res) === "handled") {
        request.auxiliary = true;
        return;
      }
      const reply = queue.shift();
      if (reply === undefined) {
        sendJson(res, 500, { error: { message: "fake API: script exhausted", type: "fake_script_exhausted" } });
        return;
      }
      if (typeof reply === "object" && reply !== null && (reply as { kind?: string }).kind === "hang") {
        served++;
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.flushHeaders();
        return;
      }
      if (isHttpError(reply)) {
        served++;
        sendJson(res, reply.status, reply.body);
        return;
      }
      handler.respond(reply, request, res, served++);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake API crashed: ${String(error)}` } });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    modelRequests: () => requests.filter((r) => !r.auxiliary),
    script: (...replies) => void queue.push(...replies),
    remaining: () => queue.length,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A 127.0.0.1 port nothing listens on (bound, then released): "the API is unreachable". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let counter = 0;
/** A short unique id with a prefix, for call ids and message ids. */
export function fakeId(prefix: string): string {
  counter++;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36).padStart(4, "0")}`;
}
