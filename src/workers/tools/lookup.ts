/** The worker a tool's arguments name, and the takeover that changing another session's worker needs. */
import type { ToolContext } from "../../mcp/tool.ts";
import { openWorkspace } from "../../workspace/index.ts";
import { checkOwnership, findWorker, type TakeoverArgs, type WorkerRecord } from "../record.ts";

type Context = Pick<ToolContext, "app" | "session">;

/** The repository `repo_path` names, through the workspace guard; undefined when it is left out. */
export async function namedRepo(context: Context, repoPath: string | undefined): Promise<string | undefined> {
  return repoPath ? (await openWorkspace(context.session.scope, context.app, repoPath)).root : undefined;
}

/** The worker `worker` names (its name or id) among this session's workers, in `repo_path` when given. */
export async function namedWorker(context: Context, args: { worker: string; repo_path?: string }): Promise<WorkerRecord> {
  return findWorker(context.app.store, context.session.scope, args.worker, await namedRepo(context, args.repo_path));
}

/** Undefined when this session owns `worker`; else the takeover to record, or the refusal without one. */
export function takeoverOf(context: Pick<ToolContext, "session">, worker: WorkerRecord, args: TakeoverArgs, tool: string) {
  return checkOwnership(worker.owner, context.session.clientRef, args, `worker ${worker.name}`, tool);
}
