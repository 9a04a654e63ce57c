/**
 * Newline-delimited JSON-RPC 2.0 over a pair of streams: the framing ACP uses over stdio.
 * Outgoing requests get ids and promises; incoming requests go to one handler whose result (or
 * thrown error) is sent back; notifications go to another. A line that is not JSON-RPC is reported
 * and skipped, never a crash.
 */
import type { Readable, Writable } from "node:stream";

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** Thrown by a request handler to answer with a specific JSON-RPC error. */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface ConnectionHandlers {
  /** An incoming request; its return value is the result. Throw RpcFailure for an error answer. */
  onRequest(method: string, params: unknown): Promise<unknown> | unknown;
  onNotification(method: string, params: unknown): void;
  /** A line that is not a JSON-RPC message. */
  onMalformed?(line: string, why: string): void;
  /** Every message, both ways, as sent or received (for a transcript). */
  onMessage?(direction: "in" | "out", message: unknown): void;
}

/** Requests fail with this once the agent's output closed (it exited, or closed stdout). */
export class ConnectionClosed extends Error {}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; method: string };

/** The error a request fails with when the agent answered with a JSON-RPC error. */
export class RpcRemoteError extends Error {
  constructor(
    readonly method: string,
    readonly error: RpcError,
  ) {
    super(
      `${method} failed: ${error.message} (JSON-RPC error ${error.code})${error.data === undefined ? "" : `: ${JSON.stringify(error.data).slice(0, 500)}`}`,
    );
  }
}

export class JsonRpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private partial = "";
  private closedError: Error | undefined;

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly handlers: ConnectionHandlers,
  ) {
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => this.receive(chunk));
    const end = () => {
      if (this.partial.trim() !== "") this.line(this.partial);
      this.partial = "";
      this.close(new ConnectionClosed("the agent closed its output"));
    };
    input.once("end", end);
    input.once("close", end);
    input.once("error", end);
    output.on("error", () => {
      // EPIPE: the agent is gone; its exit says why.
    });
  }

  request(method: string, params: unknown): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  /** Fails every request still waiting for an answer. */
  close(error: Error): void {
    if (!this.closedError) this.closedError = error;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  private send(message: Record<string, unknown>): void {
    this.handlers.onMessage?.("out", message);
    if (this.output.writable && !this.output.destroyed) this.output.write(`${JSON.stringify(message)}\n`);
  }

  private receive(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  private line(raw: string): void {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.handlers.onMalformed?.(text, "not JSON");
      return;
    }
    if (!message || typeof message !== "object" || Array.isArray(message)) {
      this.handlers.onMalformed?.(text, "not a JSON-RPC object");
      return;
    }
    this.handlers.onMessage?.("in", message);
    const body = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    const hasId = typeof body.id === "number" || typeof body.id === "string";
    if (typeof body.method === "string") {
      if (hasId) void this.answer(body.id as number | string, body.method, body.params);
      else this.safely(() => this.handlers.onNotification(body.method as string, body.params));
      return;
    }
    if (hasId && ("result" in body || "error" in body)) {
      const pending = this.pending.get(body.id as number);
      if (!pending) {
        this.handlers.onMalformed?.(text, "a response to no pending request");
        return;
      }
      this.pending.delete(body.id as number);
      if (body.error && typeof body.error === "object") pending.reject(new RpcRemoteError(pending.method, body.error as RpcError));
      else pending.resolve(body.result);
      return;
    }
    this.handlers.onMalformed?.(text, "neither a request, a notification nor a response");
  }

  private async answer(id: number | string, method: string, params: unknown): Promise<void> {
    try {
      const result = await this.handlers.onRequest(method, params);
      this.send({ jsonrpc: "2.0", id, result: result ?? null });
    } catch (error) {
      const failure = error instanceof RpcFailure ? error : new RpcFailure(-32603, error instanceof Error ? error.message : String(error));
      this.send({ jsonrpc: "2.0", id, error: { code: failure.code, message: failure.message, ...(failure.data !== undefined && { data: failure.data }) } });
    }
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch {
      // A failing notification handler must not end the session.
    }
  }
}
