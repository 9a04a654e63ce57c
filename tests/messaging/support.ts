/**
 * An in-process host with messaging, and tool callers for any principal: an agent session
 * (`agent:NAME@NS`), the operator, or local. Reopening on the same home simulates a restart.
 */
import { writeFileSync } from "node:fs";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { loadConfig } from "../../src/config/index.ts";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { createSession, type SessionState } from "../../src/mcp/session.ts";
import { createApp, type AppContext } from "../../src/app/index.ts";
import type { ProgressReporter } from "../../src/mcp/progress.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { parseAddress, type Messaging } from "../../src/messaging/index.ts";
import { MESSAGING_TOOLS } from "../../src/messaging/tools/index.ts";
import { tempDir } from "../support/patchbay.ts";

export interface CallOptions {
  signal?: AbortSignal;
  progress?: ProgressReporter;
  /** The HTTP request the call arrives on, as the server passes it (none: stdio, this machine). */
  request?: Request;
}

export interface Caller {
  session: SessionState;
  call(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult>;
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  errorCode(name: string, args?: Record<string, unknown>): Promise<string>;
}

export interface MessagingHarness {
  home: string;
  host: AppContext;
  messaging: Messaging;
  /** Creates an agent and returns its token. */
  agent(name: string, namespace?: string): Promise<string>;
  as(principal: string): Caller;
  /** Waits of `address` (NAME@NS) parked on this server now: the server-side sign a waiter is ready for a push. */
  parked(address: string): number;
  close(): Promise<void>;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => ("text" in block ? block.text : "")).join("");
}

export async function messagingHarness(options: { home?: string; configToml?: string; endpoints?: string[] } = {}): Promise<MessagingHarness> {
  const home = options.home ?? tempDir("patchbay-msg-");
  if (options.configToml) writeFileSync(`${home}/config.toml`, options.configToml);
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
  const host = createApp({
    version: "test",
    home,
    config,
    store,
    env: {},
    activeSessions: () => 1,
    endpoints: () => (options.endpoints ?? []).map((url) => ({ kind: "http" as const, url })),
    audit: () => {},
  });
  const { jobs, messaging } = host;
  await messaging.start();
  const mailbox = await messaging.mailbox();
  const registry = createToolRegistry(MESSAGING_TOOLS);
  const silent: ProgressReporter = { report: async () => {}, settle: async () => {} };

  function as(principal: string): Caller {
    const session = createSession({
      transport: "http",
      principal,
      mode: "worker",
      scope: { allowedRoots: [], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
    });
    const call = async (name: string, args: Record<string, unknown> = {}, callOptions: CallOptions = {}) => {
      const pending = registry.call(name, args, {
        app: host,
        session,
        request: callOptions.request,
        signal: callOptions.signal ?? new AbortController().signal,
        progress: callOptions.progress ?? silent,
        catalog: registry,
      });
      if (!pending) throw new Error(`no tool named ${name}`);
      return pending;
    };
    return {
      session,
      call,
      async ok<T>(name: string, args?: Record<string, unknown>, callOptions?: CallOptions) {
        const result = await call(name, args, callOptions);
        if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
        return result.structuredContent as T;
      },
      async errorCode(name, args) {
        const result = await call(name, args);
        if (!result.isError) throw new Error(`${name} succeeded but was expected to fail: ${textOf(result)}`);
        return (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code ?? "unknown";
      },
    };
  }

  return {
    home,
    host,
    messaging,
    async agent(name, namespace = "team") {
      return (await messaging.identities.addToken({ name, namespace })).token;
    },
    as,
    parked: (address) => mailbox.parked(parseAddress(address)),
    async close() {
      await messaging.close();
      await jobs.stop();
      await store.close();
    },
  };
}

/** A progress reporter counting the reports a wait sends (one per re-read that found nothing). */
export function progressCounter(): ProgressReporter & { reports: number } {
  const counter = {
    reports: 0,
    async report() {
      counter.reports++;
    },
    async settle() {},
  };
  return counter;
}
