/**
 * The board's operator session: the server's registry runs the board's tools as the operator
 * (principal `operator` with a token, `local` without, like `/mcp`), in full mode with the
 * server's own roots and power switches, so every capability check and refusal is a host's.
 * Only the page's actions are audited; its reads refresh the views on every change.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { type BoardLogin, createBoard, type Board } from "../board/index.ts";
import { jobView } from "../jobs/index.ts";
import type { AppContext } from "../app/index.ts";
import { log } from "../log/index.ts";
import { createSession, type SessionScope, type ToolRegistry } from "../mcp/index.ts";
import { PatchbayError } from "../errors/index.ts";

export function createServerBoard(parts: {
  host: AppContext;
  registry: ToolRegistry;
  scope: SessionScope;
  token: string | undefined;
  login: BoardLogin | undefined;
}): Board {
  const { host, registry } = parts;
  const session = createSession({ transport: "stdio", principal: parts.token === undefined ? "local" : "operator", mode: "full", scope: parts.scope });
  const quiet: AppContext = { ...host, audit: () => {} };
  const run =
    (app: AppContext) =>
    (tool: string, args: Record<string, unknown>): Promise<CallToolResult> => {
      const pending = registry.call(tool, args, {
        app,
        session,
        signal: new AbortController().signal,
        progress: { report: async () => {}, settle: async () => {} },
        catalog: registry,
      });
      if (!pending) throw new PatchbayError("internal_error", `the board called ${tool}, which this server does not have`);
      return pending;
    };
  return createBoard({
    login: parts.login,
    tools: { read: run(quiet), act: run(host) },
    jobs: async () => (await host.jobs.list()).map((record) => jobView(record, { events: 1 }) as unknown as Record<string, unknown>),
    agents: async () => [...new Set((await host.messaging.identities.listTokens()).map((info) => info.agent))].sort(),
    onError: (error) => log.debug(`board: ${error.message}`),
  });
}
