/**
 * Calls tool declarations in-process through the real registry (argument validation, modes, gates,
 * output validation, redaction), with a real config, state store and session scope. For end-to-end
 * checks through the binary and an MCP client, see clients.ts.
 */
import { writeFileSync } from "node:fs";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { loadConfig } from "../../src/config/index.ts";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { createSession, type SessionScope, type SessionState } from "../../src/mcp/session.ts";
import { createApp, type AppContext } from "../../src/app/index.ts";
import type { AuditEntry } from "../../src/log/audit.ts";
import type { ToolDeclaration, ToolMode } from "../../src/mcp/tool.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { tempDir } from "./patchbay.ts";

export interface HarnessOptions {
  roots: string[];
  defaultRoot?: string;
  power?: Partial<SessionScope["power"]>;
  /** The session's tool mode; by default the one a user's session starts in. */
  mode?: ToolMode;
  /** config.toml text for the harness's PATCHBAY_HOME. */
  configToml?: string;
  env?: Record<string, string | undefined>;
}

export interface ToolHarness {
  host: AppContext;
  /** Audit entries of the calls made so far, oldest first. */
  audits: AuditEntry[];
  session: SessionState;
  /** Calls a tool by name; rejects only when no such tool is declared. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** The structured result of a call that must succeed (throws with the error text otherwise). */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** The error code of a call that must fail (throws if it succeeded). */
  errorCode(name: string, args?: Record<string, unknown>): Promise<string>;
  /** Another session (its own client_ref, the same scope) on the same host: for ownership checks. */
  otherSession(): Omit<ToolHarness, "otherSession" | "close" | "audits" | "host">;
  close(): Promise<void>;
}

export async function toolHarness(tools: readonly ToolDeclaration[], options: HarnessOptions): Promise<ToolHarness> {
  const home = tempDir("patchbay-harness-");
  if (options.configToml) writeFileSync(`${home}/config.toml`, options.configToml);
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home });
  const audits: AuditEntry[] = [];
  const host = createApp({
    version: "test",
    home,
    config,
    store,
    env: options.env,
    activeSessions: () => 1,
    endpoints: () => [],
    audit: (entry) => void audits.push(entry),
  });
  const { jobs, messaging } = host;
  const session = createSession({
    transport: "stdio",
    principal: "local",
    // What a user's session starts in (app.tool_mode, default "worker"); a test opts in to more.
    mode: options.mode ?? config.app.tool_mode,
    scope: {
      defaultRoot: options.defaultRoot ?? options.roots[0],
      allowedRoots: options.roots,
      power: { directWrite: false, bashMode: "off", codexSessionRead: false, ...options.power },
    },
  });
  const registry = createToolRegistry(tools);
  const textOf = (result: CallToolResult) => result.content.map((block) => ("text" in block ? block.text : "")).join("");
  const callerFor = (current: SessionState) => {
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const pending = registry.call(name, args, {
        app: host,
        session: current,
        signal: new AbortController().signal,
        progress: { report: async () => {}, settle: async () => {} },
        catalog: registry,
      });
      if (!pending) throw new Error(`no tool named ${name}`);
      return pending;
    };
    return {
      session: current,
      call,
      async ok<T>(name: string, args?: Record<string, unknown>) {
        const result = await call(name, args);
        if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
        return result.structuredContent as T;
      },
      async errorCode(name: string, args?: Record<string, unknown>) {
        const result = await call(name, args);
        if (!result.isError) throw new Error(`${name} succeeded but was expected to fail: ${textOf(result)}`);
        return (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code ?? "unknown";
      },
    };
  };
  const call = callerFor(session).call;
  return {
    host,
    audits,
    session,
    call,
    otherSession: () => callerFor(createSession({ transport: "stdio", principal: "local", mode: session.mode, scope: session.scope })),
    async ok<T>(name: string, args?: Record<string, unknown>) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as T;
    },
    async errorCode(name, args) {
      const result = await call(name, args);
      if (!result.isError) throw new Error(`${name} succeeded but was expected to fail: ${textOf(result)}`);
      return (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code ?? "unknown";
    },
    async close() {
      await jobs.stop();
      await messaging.close();
      await store.close();
    },
  };
}

export interface HarnessSet {
  /** A harness with `roots: [root]`, then the set's defaults, then `options`, key by key (a `power` given here replaces the default one whole). */
  open(root: string, options?: Partial<HarnessOptions>): Promise<ToolHarness>;
  /** Closes every harness `open` made; call it from afterAll. */
  closeAll(): Promise<void>;
}

/** The harnesses of one test file over `tools`, all closed together at the end. */
export function harnessSet(tools: readonly ToolDeclaration[], defaults: Partial<HarnessOptions> = {}): HarnessSet {
  const opened: ToolHarness[] = [];
  return {
    async open(root, options = {}) {
      const harness = await toolHarness(tools, { roots: [root], ...defaults, ...options });
      opened.push(harness);
      return harness;
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((harness) => harness.close()));
    },
  };
}
