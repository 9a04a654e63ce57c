import { CLIENT_INFO_META_KEY, ProtocolError, ProtocolErrorCode, Server, type ServerContext } from "@modelcontextprotocol/server";
import { likelyMeant } from "../errors/index.ts";
import type { AppServices } from "./services.ts";
import type { ToolRegistry } from "./registry.ts";
import type { SessionState } from "./session.ts";
import { TOOL_MODES } from "./tool.ts";
import { resultForHost } from "./host-result.ts";
import { followActivity, logRefusal, type LogSender } from "./logging.ts";
import { createProgressReporter } from "./progress.ts";
import { widgetResource, WIDGET_URIS } from "./widget.ts";

const INSTRUCTIONS = [
  "patchbay is a local control plane for teams of coding agents. Call codex_self_test first: it says whether the server is ready and who you are (client_ref).",
  "Every session on this server shares its workers, jobs, runs and messages; closing a session stops none of them.",
  "Tool modes change only your own catalog: codex_tool_mode_info lists them, codex_tool_mode_switch changes yours.",
  "Workers: codex_worker_start runs a named agent in its own isolated worktree (your checkout is untouched); " +
    "codex_worker_message continues it, codex_worker_inspect shows its report, changes and diff.",
  "Integrate only after view=integration_preview is clean: codex_worker_integrate applies the changes to the checkout and commits nothing (the user commits).",
  "Over HTTP, paths are relative to your repository and agent sessions are handles (ses_…) that you pass back as they are.",
].join("\n");

export interface BuildOptions {
  /**
   * When true the instance serves one whole session (stdio connections and 2025-era HTTP
   * sessions): it announces the session's mode changes and logs the session's activity itself.
   * Otherwise (2026-era HTTP, one instance per request) activity is logged only during a call.
   */
  announcesModeChanges: boolean;
}

/**
 * Closes a long call's SSE stream every `seconds` so the client resumes it with Last-Event-ID
 * (server.sse_poll_seconds): a proxy that cuts long requests never holds the result. The SDK
 * offers closeSSE only to clients that can resume (2025-11-25, with an event store).
 */
function pollLongCall(ctx: ServerContext, host: AppServices): () => void {
  const closeSSE = ctx.http?.closeSSE;
  if (!closeSSE) return () => {};
  const seconds = host.config.server.sse_poll_seconds;
  if (seconds <= 0) return () => {};
  const timer = setInterval(closeSSE, seconds * 1000);
  return () => clearInterval(timer);
}

/**
 * One MCP server instance for one session (or, for 2026-era HTTP, one request on behalf of a
 * principal). Built on the SDK's low-level Server so the registry alone decides what
 * `tools/list` shows and how a hidden, gated or unknown tool is refused.
 */
export function buildMcpServer(host: AppServices, registry: ToolRegistry, session: SessionState, options: BuildOptions): Server {
  const server = new Server(
    { name: "patchbay", title: "patchbay", version: host.version },
    {
      capabilities: { tools: { listChanged: true }, resources: {}, logging: {} },
      instructions: INSTRUCTIONS,
      debouncedNotificationMethods: ["notifications/tools/list_changed"],
    },
  );
  server.setRequestHandler("tools/list", () => ({ tools: registry.list(session) }));
  // A whole session logs through its own stream (the level logging/setLevel chose); a request, through its call.
  const sessionLog: LogSender = (level, logger, data) => server.sendLoggingMessage({ level, logger, data }, server.transport?.sessionId);
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const { name, arguments: args } = request.params;
    const callLog: LogSender = options.announcesModeChanges ? sessionLog : (level, logger, data) => ctx.mcpReq.log(level, data, logger);
    const stopFollowing = options.announcesModeChanges ? () => {} : followActivity(host, session, callLog);
    const stopPolling = pollLongCall(ctx, host);
    try {
      const pending = registry.call(name, args, {
        app: host,
        session,
        request: ctx.http?.req,
        signal: ctx.mcpReq.signal,
        progress: createProgressReporter(ctx),
        catalog: registry,
      });
      if (!pending) throw unknownTool(registry, session, name);
      const result = await pending;
      logRefusal(host, name, result, callLog);
      const projected = server.projectCallToolResult(result, undefined); // no output schema is advertised (registry.ts)
      return registry.textCarriesAll(name) ? resultForHost(projected, clientNameOf(server, ctx)) : projected;
    } finally {
      stopPolling();
      stopFollowing();
    }
  });
  const widgets = WIDGET_URIS.map((uri) => widgetResource(host.config.app.widget_domain, uri));
  server.setRequestHandler("resources/list", () => ({
    resources: widgets.map(({ uri, name, title, description, mimeType, _meta }) => ({ uri, name, title, description, mimeType, _meta })),
  }));
  server.setRequestHandler("resources/read", (request) => {
    const widget = widgets.find((entry) => entry.uri === request.params.uri);
    if (!widget) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown resource: ${request.params.uri}`);
    return { contents: [{ uri: widget.uri, mimeType: widget.mimeType, text: widget.text, _meta: widget._meta }] };
  });
  if (options.announcesModeChanges) {
    session.onModeChange = () => void server.sendToolListChanged().catch(() => {});
    const stopFollowing = followActivity(host, session, sessionLog);
    server.onclose = stopFollowing;
  }
  return server;
}

/**
 * A call of a name no tool has (a protocol error, as MCP has it), with the tool it most likely
 * meant: one of the session's own first, else one it could call in another mode (whose refusal
 * then names the mode), so `read_file` or Claude Code's `mcp__patchbay__codex_read_file` costs one
 * retry. Never a tool the session may not call at all (an agent token's, one turned off).
 */
function unknownTool(registry: ToolRegistry, session: SessionState, name: string): ProtocolError {
  const callable = [...new Set(TOOL_MODES.flatMap((mode) => registry.namesFor(session, mode)))];
  const meant = likelyMeant(name, callable, { first: registry.namesFor(session) });
  const hint = meant ? ` Did you mean ${meant}?` : "";
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}.${hint} Call tools/list for the tools of this session's mode.`);
}

/** The host's `clientInfo.name`: a 2026-era request carries it in its envelope, a 2025-era session gave it to `initialize`. */
function clientNameOf(server: Server, ctx: ServerContext): string | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, { name?: unknown } | undefined> | undefined;
  const name = envelope?.[CLIENT_INFO_META_KEY]?.name ?? server.getClientVersion()?.name;
  return typeof name === "string" ? name : undefined;
}
