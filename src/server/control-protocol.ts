import type { SessionOpening, SessionScope } from "../mcp/index.ts";

/**
 * The control channel between local clients and the server: one loopback TCP connection per
 * request, newline-delimited JSON. The first line is the client's request (with the credential
 * from run/server.json); the server answers one line. For `relay`, MCP messages follow on the
 * same connection in the stdio framing, so `patchbay stdio` is a plain byte pipe.
 *
 * A relay that can hand its stdin and stdout over (`handoff`, Bun on Linux) may be offered a
 * `HandoffOffer` in the answer's data. It then sends one `HandoffNotice` line: `sent` after it
 * sent its descriptors with the ticket (`runtime/fd-handoff.ts`), `declined` when it did not.
 * After `sent` the server answers `HANDOFF_TAKEN` and serves the host's pipes itself; the
 * connection then only tells each side that the other is there, and the server ends it with
 * `HOST_CLOSED` once the host closed its end and every answer reached it. Anything else (a
 * `refused` line, or `declined`) means the messages go over the connection as without a handoff.
 */
export type ControlRequest =
  | { op: "relay"; session: SessionOpening; handoff?: boolean }
  | { op: "status" }
  | { op: "stop" }
  | { op: "listen"; host: string; port: number }
  /**
   * Runs one tool on a local-principal session with this scope (the CLI's `job run`). `client_ref`
   * (`cli_…`) keeps one owner across CLI calls, so `patchbay worker` can change its own workers.
   */
  | { op: "call"; tool: string; args: Record<string, unknown>; scope: SessionScope; client_ref?: string }
  /** Jobs of the server: `watch` sends progress lines (`{"progress": …}`) before its answer. */
  | { op: "job"; action: JobAction };

export type JobAction =
  | { name: "list"; limit?: number }
  | { name: "show"; id: string }
  | { name: "cancel"; id: string }
  | { name: "diff"; id: string }
  | { name: "watch"; id: string }
  | { name: "logs"; id: string; stream: "stdout" | "stderr"; offset: number };

export type ControlHello = ControlRequest & { v: 1; credential: string };

export type ControlReply = { ok: true; data?: unknown } | { ok: false; error: { code: string; message: string; next?: string } };

/** Where and with what ticket a relay sends its descriptors. */
export interface HandoffOffer {
  socket: string;
  ticket: string;
}

export interface HandoffNotice {
  handoff: "sent" | "declined";
}

export const HANDOFF_TAKEN = JSON.stringify({ handoff: "taken" });
export const HANDOFF_REFUSED = JSON.stringify({ handoff: "refused" });
export const HOST_CLOSED = JSON.stringify({ end: "host_closed" });

/** A line sent before the answer of a streaming request. */
export interface ControlProgress {
  progress: unknown;
}

/** A hello longer than this is not ours: refuse it instead of buffering without end. */
export const MAX_HELLO_BYTES = 64 * 1024;
export const HELLO_TIMEOUT_MS = 5_000;
