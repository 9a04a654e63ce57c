/**
 * An in-process patchbay for the scale bench: the real app (state store, job runtime, messaging)
 * and the whole tool registry, one full-mode operator session on one repository. Calls go through
 * the registry (validation, gates, redaction, audit) as a host's would after the transport.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_TOOLS } from "../../../src/app/catalog.ts";
import { createApp } from "../../../src/app/index.ts";
import { loadConfig } from "../../../src/config/index.ts";
import { createToolRegistry } from "../../../src/mcp/registry.ts";
import { createSession } from "../../../src/mcp/session.ts";
import { createRecordStore, type RecordStore } from "../../../src/state/index.ts";
import type { AppContext } from "../../../src/app/index.ts";

export interface ScaleHost {
  app: AppContext;
  store: RecordStore;
  /** The structured result of a call that must succeed. */
  call(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** `noop` is a custom agent that exits at once (`/bin/true`): a job costs patchbay's work only. */
export async function scaleHost(home: string, repo: string): Promise<ScaleHost> {
  writeFileSync(join(home, "config.toml"), '[agents.custom.noop]\ncommand = "/bin/true"\n');
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home });
  const app = createApp({ version: "bench", home, config, store, activeSessions: () => 1, endpoints: () => [], audit: () => {} });
  const session = createSession({
    transport: "stdio",
    principal: "local",
    mode: "full",
    scope: { defaultRoot: repo, allowedRoots: [repo], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
  });
  const registry = createToolRegistry(ALL_TOOLS);
  const context = { app, session, signal: new AbortController().signal, progress: { report: async () => {}, settle: async () => {} }, catalog: registry };
  return {
    app,
    store,
    async call(name, args = {}) {
      const result = await registry.call(name, args, context);
      if (!result || result.isError) throw new Error(`${name} failed: ${JSON.stringify(result?.content).slice(0, 400)}`);
      return result.structuredContent as Record<string, unknown>;
    },
    async close() {
      await app.jobs.stop();
      await store.close();
    },
  };
}
