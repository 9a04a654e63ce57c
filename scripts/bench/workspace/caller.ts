/**
 * Calls the file tools in-process through the real registry (validation, output check, redaction),
 * as a host's request would after the transport: what the bench times on patchbay's side.
 */
import { createApp } from "../../../src/app/index.ts";
import { loadConfig } from "../../../src/config/index.ts";
import { createToolRegistry } from "../../../src/mcp/registry.ts";
import { createSession } from "../../../src/mcp/session.ts";
import type { ToolDeclaration } from "../../../src/mcp/tool.ts";
import { createRecordStore } from "../../../src/state/index.ts";
import { FILE_TOOLS } from "../../../src/workspace/tools/files.ts";

export interface ToolCaller {
  /** repositories.blocked_globs of the default config, which the tools apply. */
  blockedGlobs: readonly string[];
  /** Resolves with the structured result; rejects when the call failed. */
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** `tools`: the declarations to call (the file tools unless another bench names its own). */
export async function fileToolCaller(repo: string, home: string, tools: readonly ToolDeclaration[] = FILE_TOOLS): Promise<ToolCaller> {
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home });
  const app = createApp({ version: "bench", home, config, store, activeSessions: () => 1, endpoints: () => [], audit: () => {} });
  const session = createSession({
    transport: "stdio",
    principal: "bench",
    mode: "full",
    scope: { defaultRoot: repo, allowedRoots: [repo], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
  });
  const registry = createToolRegistry(tools);
  const context = { app, session, signal: new AbortController().signal, progress: { report: async () => {}, settle: async () => {} }, catalog: registry };
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
