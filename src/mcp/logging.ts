/**
 * MCP logging (`notifications/message`) for a session: the server's activity that concerns it
 * and its own refused calls, redacted like tool results. The level a client set with
 * `logging/setLevel` filters in the SDK (per session); 2026-07-28 requests carry their level in
 * the request instead, so they get log lines only while a call of theirs runs.
 */
import type { CallToolResult, LoggingLevel } from "@modelcontextprotocol/server";
import { isInside } from "../runtime/index.ts";
import type { ActivityEvent } from "./activity.ts";
import type { AppServices } from "./services.ts";
import type { SessionState } from "./session.ts";

/** Sends one log line to the client; the SDK drops it below the session's level. */
export type LogSender = (level: LoggingLevel, logger: string, text: string) => Promise<void>;

function concerns(event: ActivityEvent, session: SessionState): boolean {
  if (event.clientRef !== undefined && event.clientRef === session.clientRef) return true;
  const repo = event.repo;
  if (repo === undefined) return false;
  return session.scope.allowedRoots.some((root) => isInside(root, repo));
}

/**
 * Forwards the activity concerning `session` to `send` until the result is called.
 *
 * @example
 * const stop = followActivity(app, session, (level, logger, text) => server.sendLoggingMessage({ level, logger, data: text }));
 */
export function followActivity(app: AppServices, session: SessionState, send: LogSender): () => void {
  if (!app.activity) return () => {};
  return app.activity.subscribe((event) => {
    if (!concerns(event, session)) return;
    void send(event.level, event.source, String(app.redact(event.text))).catch(() => {});
  });
}

/** A refused call (an error result with patchbay's code) as a warning for the host's log. */
export function logRefusal(app: AppServices, tool: string, result: CallToolResult, send: LogSender): void {
  const error = result._meta?.["patchbay/error"] as { code?: string; message?: string } | undefined;
  if (!result.isError || !error?.code) return;
  void send("warning", "tools", String(app.redact(`${tool} refused [${error.code}]: ${error.message ?? ""}`))).catch(() => {});
}
