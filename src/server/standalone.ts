import type { Config } from "../config/index.ts";
import { createSession, createToolRegistry, serveStdioSession, type SessionOpening } from "../mcp/index.ts";
import { ALL_TOOLS, createApp } from "../app/index.ts";
import { createRecordStore } from "../state/index.ts";
import { httpToken } from "./http-exposure.ts";
import { claimOwnership, newOwnerRecord } from "./owner.ts";
import { answerParseErrors } from "./parse-errors.ts";

/** The signals a host or a terminal stops a standalone session with. */
const STOP_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

/**
 * `patchbay stdio --standalone`: everything in this process, for hermetic use (CI, tests). It
 * owns the state directory for its lifetime, so it refuses to run beside a server.
 */
export async function runStandalone(options: { home: string; config: Config; version: string; session: SessionOpening }): Promise<number> {
  const { home, config, version } = options;
  const registry = createToolRegistry(ALL_TOOLS);
  const ownership = await claimOwnership(home, newOwnerRecord("standalone", version));
  try {
    const store = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
    const host = createApp({ version, home, config, store, token: httpToken(config), activeSessions: () => 1, endpoints: () => [] });
    const { jobs, messaging } = host;
    await jobs.recover();
    await messaging.start();
    const state = createSession({ transport: "stdio", principal: "local", ...options.session });
    // A host ends its server with the end of stdin or a signal: either way the same clean stop, so
    // running turns are stopped, waiting audit lines written and the state directory released.
    const ended = new Promise<void>((resolve) => {
      process.stdin.once("end", resolve);
      process.stdin.once("close", resolve);
      for (const signal of STOP_SIGNALS) process.once(signal, resolve);
    });
    serveStdioSession(host, registry, state, { input: process.stdin, output: process.stdout });
    answerParseErrors(process.stdin, process.stdout);
    await ended;
    await jobs.stop();
    await messaging.close();
    await store.close();
    return 0;
  } finally {
    ownership.release();
  }
}
