/**
 * Real servers' answers, captured once with a raw client, for the canned floor servers
 * (baselines/canned.ts): each answer's JSON-RPC line exactly as the server wrote it, cut around
 * the request id so the floor can put in the id of each call it answers.
 */
import { spawn } from "node:child_process";
import type { Launch } from "../cold-start.ts";
import { waitForExit } from "../processes.ts";
import type { ToolCall } from "./client.ts";

/** A captured answer: what the floor server lists the tool as, and the call that produced it. */
export interface CannedCall {
  /** The tool name the floor server answers to. */
  as: string;
  call: ToolCall;
}

export type CannedAnswers = Record<string, [string, string]>;

/** The bytes of a canned answer's line with a one-digit id. */
export const lineBytes = ([before, after]: [string, string]) => Buffer.byteLength(`${before}1${after}`);

const PROTOCOL_VERSION = "2025-11-25";
/** Ids no client of the bench sends, so the cut finds the id and nothing else. */
const FIRST_MARK = 900_000_001;

const initialize = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "patchbay-bench-capture", version: "1.0.0" } },
});
const initialized = { jsonrpc: "2.0", method: "notifications/initialized" };
const toolCall = (id: number, { name, args }: ToolCall) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

function cut(line: string, id: number): [string, string] {
  const token = `"id":${id}`;
  const at = line.lastIndexOf(token);
  if (at < 0 || line.indexOf(token) !== at) throw new Error(`the captured answer does not hold its id once: ${line.slice(0, 200)}`);
  const { result } = JSON.parse(line) as { result?: { isError?: boolean } };
  if (!result || result.isError) throw new Error(`the captured call failed: ${line.slice(0, 300)}`);
  return [line.slice(0, at + 5), line.slice(at + token.length)];
}

function collect(lines: string[], calls: readonly CannedCall[]): CannedAnswers {
  const answers: CannedAnswers = {};
  calls.forEach(({ as }, index) => {
    const id = FIRST_MARK + index;
    const line = lines.find((candidate) => (JSON.parse(candidate) as { id?: number }).id === id);
    if (!line) throw new Error(`no answer to ${as} was captured`);
    answers[as] = cut(line, id);
  });
  return answers;
}

/** Each call's answer line from a stdio server, one call at a time, then closes its stdin. */
export async function captureStdio(launch: Launch, calls: readonly CannedCall[]): Promise<CannedAnswers> {
  const child = spawn(launch.command, launch.args, { env: launch.env, stdio: ["pipe", "pipe", "ignore"] });
  const lines: string[] = [];
  let pending = "";
  let arrived: (() => void) | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const parts = pending.split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    arrived?.();
  });
  const exchange = async (message: unknown, id: number) => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
    const deadline = Date.now() + 20_000;
    while (!lines.some((line) => (JSON.parse(line) as { id?: number }).id === id)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${launch.command} did not answer request ${id}`);
      await new Promise<void>((resolve) => {
        arrived = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  try {
    await exchange(initialize(0), 0);
    child.stdin.write(`${JSON.stringify(initialized)}\n`);
    for (const [index, { call }] of calls.entries()) await exchange(toolCall(FIRST_MARK + index, call), FIRST_MARK + index);
  } finally {
    child.stdin.end();
    await waitForExit(child);
  }
  return collect(lines, calls);
}

/** The JSON-RPC line of every SSE `data:` field (or the JSON body) of one HTTP answer. */
async function answerLines(response: Response): Promise<string[]> {
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  if (response.headers.get("content-type")?.includes("application/json")) return [text.trim()];
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line.length > 6)
    .map((line) => line.slice(6));
}

/** Each call's answer line from a 2025-era HTTP session, as the SDK's client asks for it. */
export async function captureHttp(url: string, calls: readonly CannedCall[]): Promise<CannedAnswers> {
  const headers: Record<string, string> = { accept: "application/json, text/event-stream", "content-type": "application/json" };
  const post = (body: unknown) => fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const opened = await post(initialize(0));
  await answerLines(opened);
  headers["mcp-session-id"] = opened.headers.get("mcp-session-id") ?? "";
  headers["mcp-protocol-version"] = PROTOCOL_VERSION;
  await (await post(initialized)).text();
  const lines: string[] = [];
  for (const [index, { call }] of calls.entries()) lines.push(...(await answerLines(await post(toolCall(FIRST_MARK + index, call)))));
  await fetch(url, { method: "DELETE", headers }).catch(() => undefined);
  return collect(lines, calls);
}
