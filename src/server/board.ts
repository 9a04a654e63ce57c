/**
 * The board's operator session: the server's registry runs the board's tools as the operator
 * (principal `operator` with a token, `local` without, like `/mcp`), in full mode with the
 * server's own roots and power switches, so every capability check and refusal is a host's.
 * Only the page's actions are audited; its reads refresh the views on every change.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { type BoardLogin, type BoardSources, createBoard, type Board } from "../board/index.ts";
import { jobView } from "../jobs/index.ts";
import type { AppContext } from "../app/index.ts";
import { log } from "../log/index.ts";
import { createSession, type SessionScope, type ToolRegistry } from "../mcp/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { BANS_TOPIC } from "../messaging/index.ts";

interface BoardParts {
  host: AppContext;
  registry: ToolRegistry;
  scope: SessionScope;
  token: string | undefined;
}

/**
 * What tells the board the state may have changed: every tool call's audit line (any session's,
 * the board's own actions too), the job runtime's activity (a job or worker turn starting or
 * ending, also one no call waits on), and a rate-limit ban beginning or ending (at a request's
 * authentication, where no tool runs). The audit is the one point every tool call passes, so the
 * board subscribes to the app's audit signal.
 */
function stateChanges(host: AppContext): (listener: () => void) => () => void {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  host.onAudit(changed);
  host.activity?.subscribe(changed);
  void host.store.channel.subscribe(BANS_TOPIC, changed).catch(() => undefined);
  return (listener) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
}

/** The board's sources on this server: its tools as the operator, its jobs and agents, and its change events. */
export function serverBoardSources(parts: BoardParts): BoardSources {
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
  return {
    tools: { read: run(quiet), act: run(host) },
    jobs: async (repos, limit) =>
      (await host.jobs.list({ limit, where: (job) => repos.has(job.repo) })).map(
        (record) => jobView(record, { events: 1 }) as unknown as Record<string, unknown>,
      ),
    agents: async () => [...new Set((await host.messaging.identities.listTokens()).map((info) => info.agent))].sort(),
    changes: stateChanges(host),
  };
}

export function createServerBoard(parts: BoardParts & { login: BoardLogin | undefined }): Board {
  return createBoard({
    ...serverBoardSources(parts),
    login: parts.login,
    // Read per request, as OAuth reads it: a tunnel sets it.
    publicUrl: () => parts.host.config.server.public_url,
    onError: (error) => log.debug(`board: ${error.message}`),
  });
}
