/**
 * The SDK's real MCP clients, both generations: `@modelcontextprotocol/sdk` 1.x (what hosts ship
 * today, 2025-era) and `@modelcontextprotocol/client` 2.x (2025 handshake by default, 2026-07-28
 * when pinned). Each connection counts the tools/list_changed notifications it receives.
 */
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as StdioV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as HttpV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioV2 } from "@modelcontextprotocol/client/stdio";
import { patchbayBinary, patchbayEnv, repoRoot } from "./patchbay.ts";

export type Generation = "v1" | "v2-legacy" | "v2-modern";
export const GENERATIONS: Generation[] = ["v1", "v2-legacy", "v2-modern"];

export interface CallOptions {
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

export interface ToolResult {
  content?: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** The few client operations the tests use, the same for every generation. */
export interface TestClient {
  generation: Generation;
  listToolNames(): Promise<string[]>;
  listTools(): Promise<Array<Record<string, unknown> & { name: string }>>;
  callTool(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<ToolResult>;
  readResource(uri: string): Promise<{ contents: Array<Record<string, unknown>> }>;
  serverName(): string | undefined;
  instructions(): string | undefined;
  /** How many tools/list_changed notifications arrived so far. */
  listChanges(): number;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: "patchbay-tests", version: "1.0.0" };
const MODERN = { mode: { pin: "2026-07-28" } } as const;

type AnyClient = ClientV1 | ClientV2;

function wrap(generation: Generation, client: AnyClient, changes: () => number): TestClient {
  const c = client as unknown as {
    listTools(): Promise<{ tools: Array<Record<string, unknown> & { name: string }> }>;
    callTool(params: { name: string; arguments?: Record<string, unknown> }, schema?: unknown, options?: unknown): Promise<ToolResult>;
    readResource(params: { uri: string }): Promise<{ contents: Array<Record<string, unknown>> }>;
    getServerVersion(): { name: string } | undefined;
    getInstructions(): string | undefined;
    close(): Promise<void>;
  };
  return {
    generation,
    listTools: async () => (await c.listTools()).tools,
    listToolNames: async () => (await c.listTools()).tools.map((tool) => tool.name),
    callTool: (name, args = {}, options = {}) => {
      const requestOptions = { onprogress: options.onprogress, timeout: 30_000 };
      // v1 takes a result schema before the options; v2 takes the options second.
      return generation === "v1" ? c.callTool({ name, arguments: args }, undefined, requestOptions) : c.callTool({ name, arguments: args }, requestOptions);
    },
    readResource: (uri) => c.readResource({ uri }),
    serverName: () => c.getServerVersion()?.name,
    instructions: () => c.getInstructions(),
    listChanges: changes,
    close: () => c.close(),
  };
}

/** `clientName` stands in for a host's `clientInfo.name` (patchbay shapes results for some hosts). */
function newClient(generation: Generation, clientName?: string): { client: AnyClient; changes: () => number } {
  let count = 0;
  const clientInfo = clientName ? { ...CLIENT_INFO, name: clientName } : CLIENT_INFO;
  if (generation === "v1") {
    const client = new ClientV1(clientInfo, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void count++);
    return { client, changes: () => count };
  }
  const client = new ClientV2(clientInfo, {
    capabilities: {},
    ...(generation === "v2-modern" && { versionNegotiation: MODERN }),
    listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => void count++ } },
  });
  return { client, changes: () => count };
}

/**
 * A host that reads its stdin in bursts (a busy one): each notification is held and handed to the
 * client together with the next request or response, in one synchronous run, as the SDK's stdio
 * transport does with the messages of one chunk it read.
 */
function readInBursts(stdio: StdioV1 | StdioV2): void {
  const transport = stdio as unknown as { onmessage: (message: unknown, extra?: unknown) => void };
  const deliver = transport.onmessage;
  const held: Array<[unknown, unknown]> = [];
  transport.onmessage = (message, extra) => {
    held.push([message, extra]);
    if ((message as { id?: unknown }).id === undefined) return;
    for (const [each, itsExtra] of held.splice(0)) deliver(each, itsExtra);
  };
}

/** The compiled binary's `stdio` (add `--standalone` to args for a hermetic in-process server). */
export async function connectStdio(
  generation: Generation,
  options: { home: string; args?: string[]; env?: Record<string, string>; readsInBursts?: boolean; clientName?: string },
): Promise<TestClient> {
  const { client, changes } = newClient(generation, options.clientName);
  const params = {
    command: patchbayBinary(),
    args: ["stdio", ...(options.args ?? [])],
    env: patchbayEnv(options.home, options.env),
    cwd: repoRoot,
    stderr: "pipe" as const,
  };
  const transport = generation === "v1" ? new StdioV1(params) : new StdioV2(params);
  await (client as ClientV1).connect(transport as StdioV1);
  if (options.readsInBursts) readInBursts(transport);
  return wrap(generation, client, changes);
}

/** Streamable HTTP at `url`, with a bearer token when given. */
export async function connectHttp(generation: Generation, url: string, options: { token?: string; clientName?: string } = {}): Promise<TestClient> {
  const { client, changes } = newClient(generation, options.clientName);
  const requestInit = options.token ? { headers: { Authorization: `Bearer ${options.token}` } } : undefined;
  const transport = generation === "v1" ? new HttpV1(new URL(url), { requestInit }) : new HttpV2(new URL(url), { requestInit });
  await (client as ClientV1).connect(transport as HttpV1);
  return wrap(generation, client, changes);
}

/** The call's answer, or a failure when none came within `ms`: for calls that must never hang (a FIFO, a stalled peer). */
export async function within<T>(ms: number, pending: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([pending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
