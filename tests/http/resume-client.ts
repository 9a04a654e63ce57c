/**
 * The SDK's real Streamable HTTP clients for the resume tests (resume.test.ts, team-resume.test.ts):
 * a connection that counts the answers it receives per request id, a 5 s tool call, and what the
 * cut proxy saw on the wire when a call fails.
 */
import { expect } from "bun:test";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as HttpV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from "@modelcontextprotocol/client";
import { mockPrompt } from "../jobs/support.ts";
import type { CutProxy } from "./cut-proxy.ts";

export const ANSWER = "answered after five seconds";

export interface Connection {
  /** `onToken` hears each event id the client keeps to resume the call's stream from. */
  call(name: string, args: Record<string, unknown>, onToken?: (token: string) => void): Promise<{ structuredContent?: Record<string, unknown> }>;
  /** How many responses (results or errors) reached the client for each request id. */
  responses: Map<string | number, number>;
  sessionId(): string | undefined;
  close(): Promise<void>;
}

/** A real SDK client of either generation over Streamable HTTP, counting the responses it receives. */
export async function connect(generation: "v1" | "v2-legacy", url: string): Promise<Connection> {
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

/** Starts a mock job that answers after 5 s (or `sleepMs`) and waits for its result: one tool call of about 5 s. */
export async function slowCall(
  connection: Connection,
  onToken?: (token: string) => void,
  sleepMs = 5000,
): Promise<{ structuredContent?: Record<string, unknown> }> {
  const started = await connection.call("codex_plan_job", { spec: mockPrompt({ sleep_ms: sleepMs, message: ANSWER }), agent: "mock" });
  return connection.call("codex_get_result", { job_id: started.structuredContent!.job_id, wait_seconds: 60 }, onToken);
}

export function expectAnsweredOnce(result: { structuredContent?: Record<string, unknown> }, connection: Connection): void {
  expect(result.structuredContent?.state).toBe("succeeded");
  expect(JSON.stringify(result.structuredContent)).toContain(ANSWER);
  // Every request of the session got exactly one response: the resumed one was not delivered twice.
  expect([...connection.responses.values()].every((count) => count === 1)).toBe(true);
}

/** The call's answer; if it fails, the failure names the requests and answers that crossed the proxy. */
export async function withWire<T>(proxy: CutProxy, pending: Promise<T>): Promise<T> {
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
export function resumes(proxy: CutProxy, token: string | undefined, target?: string): number {
  const stream = token?.slice(0, token.lastIndexOf(":"));
  if (!stream) return 0;
  return proxy
    .sent(target)
    .split(/\r?\n/)
    .filter((line) => line.toLowerCase().startsWith(`last-event-id: ${stream.toLowerCase()}:`)).length;
}
