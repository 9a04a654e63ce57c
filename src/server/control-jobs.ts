/**
 * The control operations behind `patchbay job`: `call` runs a tool on a local-principal session
 * (so `job run` gets the same validation, guards and records as an MCP caller), `job` lists,
 * shows, cancels, watches and pages the logs of the server's jobs.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import { PatchbayError } from "../errors/index.ts";
import { jobDiff, jobView, readJobLog } from "../jobs/index.ts";
import type { AppContext } from "../app/index.ts";
import { createSession, type ToolRegistry } from "../mcp/index.ts";
import type { ControlHandlers } from "./control-server.ts";

/** Longest `watch`: the CLI asks again when a job runs longer. */
const WATCH_MS = 10 * 60 * 1000;

export function controlJobHandlers(parts: { host: AppContext; registry: ToolRegistry }): Pick<ControlHandlers, "call" | "job"> {
  const { host, registry } = parts;
  return {
    async call(request) {
      const opened = createSession({ transport: "stdio", principal: "local", mode: "full", scope: request.scope });
      // Only `cli_` refs: a CLI caller cannot pose as an MCP session's `client_` ref.
      const session = request.client_ref && /^cli_[a-z0-9_-]{1,40}$/.test(request.client_ref) ? { ...opened, clientRef: request.client_ref } : opened;
      const pending = registry.call(request.tool, request.args, {
        app: host,
        session,
        signal: new AbortController().signal,
        progress: { report: async () => {}, settle: async () => {} },
        catalog: registry,
      });
      if (!pending) throw new PatchbayError("invalid_arguments", `no tool named ${request.tool}`);
      return (await pending) satisfies CallToolResult;
    },
    async job(action, send, closed) {
      switch (action.name) {
        case "list":
          return (await host.jobs.list({ limit: action.limit ?? 50 })).map((record) => jobView(record, { events: 0 }));
        case "show":
          return jobView(await host.jobs.get(action.id), { events: 200 });
        case "cancel":
          return jobView(await host.jobs.cancel(action.id), { events: 10 });
        case "diff":
          return { job_id: action.id, ...(await jobDiff(await host.jobs.get(action.id), 4 * 1024 * 1024)) };
        case "watch": {
          const record = await host.jobs.wait(action.id, WATCH_MS, { onProgress: (progress) => send(progress), signal: closed });
          return jobView(record);
        }
        case "logs": {
          await host.jobs.get(action.id);
          const stream = action.stream === "stderr" ? "stderr" : "stdout";
          return readJobLog(host.jobs.logFile(action.id, stream), Math.max(0, action.offset));
        }
        default:
          throw new PatchbayError("control_bad_request", `unknown job action ${JSON.stringify((action as { name?: unknown }).name)}`);
      }
    },
  };
}
