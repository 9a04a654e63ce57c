import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { asPatchbayError, PatchbayError } from "../errors/index.ts";
import { type HandoffListener, openHandoffListener } from "../runtime/index.ts";
import {
  type ControlHello,
  type ControlReply,
  type ControlRequest,
  HANDOFF_REFUSED,
  HANDOFF_TAKEN,
  type HandoffNotice,
  HELLO_TIMEOUT_MS,
  MAX_HELLO_BYTES,
} from "./control-protocol.ts";

export interface ControlHandlers {
  /** Takes over the socket for an MCP session; `rest` holds bytes that arrived after the hello. */
  relay(socket: Socket, session: RelaySession, rest: Buffer): void;
  /**
   * Serves an MCP session on the host's own stdin (`fds[0]`) and stdout (`fds[1]`), which the
   * relay handed over; `socket` only tells that the relay is still there. The handler owns the
   * descriptors from here on.
   */
  relayHandedOff(socket: Socket, session: RelaySession, fds: number[]): void;
  status(): Promise<unknown>;
  stop(): void;
  listen(host: string, port: number): Promise<unknown>;
  call(request: Extract<ControlRequest, { op: "call" }>): Promise<unknown>;
  /** `send` writes a progress line ahead of the answer. */
  job(action: Extract<ControlRequest, { op: "job" }>["action"], send: (progress: unknown) => void, closed: AbortSignal): Promise<unknown>;
}

type RelaySession = Extract<ControlRequest, { op: "relay" }>["session"];

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

function reply(socket: Socket, message: ControlReply): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

function fail(socket: Socket, error: unknown): void {
  const failure = asPatchbayError(error);
  reply(socket, { ok: false, error: failure.toJSON() });
  socket.end();
}

/** Reads the next line of a connection (after `received`, what already came), bounded in size and time. */
function readLine(socket: Socket, received: Buffer = Buffer.alloc(0)): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => done(new PatchbayError("control_timeout", "no request line within 5 s")), HELLO_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(10);
      if (newline >= 0) return done(undefined, { line: buffered.subarray(0, newline).toString("utf8"), rest: buffered.subarray(newline + 1) });
      if (buffered.length > MAX_HELLO_BYTES) done(new PatchbayError("control_bad_request", "request line too long"));
    };
    const onEnd = () => done(new PatchbayError("control_bad_request", "connection closed before a request line"));
    let settled = false;
    function done(error?: Error, value?: { line: string; rest: Buffer }) {
      settled = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.pause();
      if (error) reject(error);
      else resolve(value!);
    }
    socket.on("data", onData);
    socket.on("end", onEnd);
    onData(received);
    if (!settled) socket.resume();
  });
}

async function serveConnection(socket: Socket, credential: string, handlers: ControlHandlers, handoffs: HandoffListener | undefined): Promise<void> {
  const { line, rest } = await readLine(socket);
  let hello: ControlHello;
  try {
    hello = JSON.parse(line) as ControlHello;
  } catch {
    throw new PatchbayError("control_bad_request", "the request line is not JSON");
  }
  if (typeof hello.credential !== "string" || !sameSecret(hello.credential, credential)) {
    throw new PatchbayError("unauthorized", "wrong local credential", { next: "run patchbay as the user that started the server" });
  }
  switch (hello.op) {
    case "relay":
      return serveRelay(socket, hello, rest, handlers, handoffs);
    case "status":
      reply(socket, { ok: true, data: await handlers.status() });
      return void socket.end();
    case "stop":
      reply(socket, { ok: true });
      socket.end();
      return handlers.stop();
    case "listen":
      reply(socket, { ok: true, data: await handlers.listen(hello.host, hello.port) });
      return void socket.end();
    case "call":
      reply(socket, { ok: true, data: await handlers.call(hello) });
      return void socket.end();
    case "job": {
      const closed = new AbortController();
      socket.once("close", () => closed.abort());
      socket.resume(); // nothing more is read, but a client that hangs up must be noticed
      const data = await handlers.job(hello.action, (progress) => socket.write(`${JSON.stringify({ progress })}\n`), closed.signal);
      reply(socket, { ok: true, data });
      return void socket.end();
    }
    default:
      throw new PatchbayError("control_bad_request", `unknown operation ${(hello as { op?: unknown }).op}`);
  }
}

function noticeOf(line: string): HandoffNotice["handoff"] | undefined {
  try {
    return (JSON.parse(line) as HandoffNotice).handoff;
  } catch {
    return undefined;
  }
}

/**
 * A relay's session: over this connection, or on the host's pipes when the relay asks to hand them
 * over and they arrive with the ticket it was given (`control-protocol.ts`).
 */
async function serveRelay(
  socket: Socket,
  hello: Extract<ControlRequest, { op: "relay" }>,
  rest: Buffer,
  handlers: ControlHandlers,
  handoffs: HandoffListener | undefined,
): Promise<void> {
  const ticket = hello.handoff ? handoffs?.issue() : undefined;
  if (!handoffs || ticket === undefined) {
    reply(socket, { ok: true });
    return handlers.relay(socket, hello.session, rest);
  }
  reply(socket, { ok: true, data: { handoff: { socket: handoffs.name, ticket } } });
  // Whatever happens next, a ticket serves this connection only: nothing that arrives for it later stays open.
  socket.once("close", () => handoffs.discard(ticket));
  const notice = await readLine(socket, rest);
  const sent = noticeOf(notice.line) === "sent";
  if (!sent) handoffs.discard(ticket);
  const fds = sent ? handoffs.take(ticket) : undefined;
  if (fds) {
    socket.write(`${HANDOFF_TAKEN}\n`);
    return handlers.relayHandedOff(socket, hello.session, fds);
  }
  if (sent) socket.write(`${HANDOFF_REFUSED}\n`);
  return handlers.relay(socket, hello.session, notice.rest);
}

/** Listens on 127.0.0.1 (a free port) for local clients holding the credential. */
export async function startControlServer(credential: string, handlers: ControlHandlers): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const handoffs = await openHandoffListener();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // a vanished client is not the server's problem
    serveConnection(socket, credential, handlers, handoffs).catch((error) => fail(socket, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new PatchbayError("listen_failed", "control listener has no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        handoffs?.close();
        server.close(() => resolve());
      }),
  };
}
