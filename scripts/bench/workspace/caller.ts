/**
 * Calls the file tools in-process through the real registry (validation, output check, redaction),
 * as a host's request would after the transport: what the bench times on patchbay's side.
 */
import { createJobRuntime } from "../../../src/jobs/index.ts";
import { createMessaging } from "../../../src/messaging/index.ts";
import { loadConfig } from "../../../src/config/index.ts";
import { createToolRegistry } from "../../../src/mcp/registry.ts";
import { createSession } from "../../../src/mcp/session.ts";
import type { McpHost } from "../../../src/mcp/host.ts";
import { createRecordStore, createRedactor } from "../../../src/state/index.ts";
import { FILE_TOOLS } from "../../../src/workspace/tools/files.ts";

export interface ToolCaller {
  /** repositories.blocked_globs of the default config, which the tools apply. */
  blockedGlobs: readonly string[];
  /** Resolves with the structured result; rejects when the call failed. */
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function fileToolCaller(repo: string, home: string): Promise<ToolCaller> {
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home });
  const redactor = createRedactor(process.env);
  const host: McpHost = {
    version: "bench",
    home,
    config,
    startedAt: new Date(),
    store,
    jobs: createJobRuntime({ home, config, store, redact: (text) => redactor.redact(text) }),
    messaging: createMessaging({ store, config, home }),
    redact: (value) => (typeof value === "string" ? redactor.redact(value) : redactor.redactDeep(value)),
    activeSessions: () => 1,
    endpoints: () => [],
    audit: () => {},
  };
  const session = createSession({ transport: "stdio", principal: "bench", mode: "full", scope: { defaultRoot: repo, allowedRoots: [repo], power: { directWrite: false, bashMode: "off", codexSessionRead: false } } });
  const registry = createToolRegistry(FILE_TOOLS);
  const context = { host, session, signal: new AbortController().signal, progress: { report: async () => {}, settle: async () => {} }, catalog: registry };
  return {
    blockedGlobs: config.repositories.blocked_globs,
    async call(name, args) {
      const result = await registry.call(name, args, context);
      if (!result || result.isError) throw new Error(`${name} failed: ${JSON.stringify(result?.content)}`);
      return result.structuredContent as Record<string, unknown>;
    },
    close: () => store.close(),
  };
}
