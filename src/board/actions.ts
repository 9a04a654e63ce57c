/**
 * What the page may ask for, each mapped to the tool an MCP host would call: actions (approve a
 * plan, cancel a run, integrate or stop a worker, cancel a job, send a message as an agent, lift
 * a token's rate-limit ban) and the detail
 * pane's reads (a worker's report, files, one file's diff and integration preview; a run's
 * status, PLAN.md, test output and events; a job; an agent's messages). Nothing else reaches a tool.
 */
import * as v from "valibot";
import { renderPlan } from "./markdown.ts";
import { answerOf, type BoardTools, type Json, type ToolAnswer } from "./tools.ts";

/** Worker changes from the board act for the person who runs the server, whichever session started the worker. */
const TAKEOVER = { takeover: true, takeover_reason: "the operator, from the board" };

const text = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));
const repo = v.optional(text(4096));

export const actionSchema = v.variant("action", [
  v.object({ action: v.literal("approve"), repo, id: text(200) }),
  v.object({ action: v.literal("cancel_run"), repo, id: text(200) }),
  v.object({ action: v.literal("integrate"), repo, id: text(200) }),
  v.object({ action: v.literal("stop"), repo, id: text(200) }),
  v.object({ action: v.literal("cancel_job"), id: text(200) }),
  v.object({ action: v.literal("send"), as: text(200), to: text(1000), content: text(100_000) }),
  v.object({ action: v.literal("lift_ban"), id: text(64) }),
]);
export type BoardAction = v.InferOutput<typeof actionSchema>;

export function runAction(tools: BoardTools, action: BoardAction): Promise<ToolAnswer> {
  const call = (tool: string, args: Json) => tools.act(tool, args).then(answerOf);
  switch (action.action) {
    case "approve":
      return call("patchbay_approve", { run_id: action.id, repo_path: action.repo });
    case "cancel_run":
      return call("patchbay_cancel", { run_id: action.id, repo_path: action.repo });
    case "integrate":
      return call("codex_worker_integrate", { worker: action.id, repo_path: action.repo, ...TAKEOVER });
    case "stop":
      return call("codex_worker_stop", { worker: action.id, repo_path: action.repo, ...TAKEOVER });
    case "cancel_job":
      return call("codex_cancel_job", { job_id: action.id });
    case "send":
      return call("send_message", { to: action.to, content: action.content, as: action.as });
    case "lift_ban":
      return call("lift_ban", { token_id: action.id });
  }
}

const WORKER_VIEWS = ["report", "changes", "diff", "integration_preview"] as const;

export const detailSchema = v.variant("kind", [
  v.object({ kind: v.literal("worker"), repo, id: text(200), view: v.picklist(WORKER_VIEWS), file: v.optional(text(4096)) }),
  v.object({ kind: v.literal("run"), repo, id: text(200) }),
  v.object({ kind: v.literal("job"), id: text(200) }),
  v.object({ kind: v.literal("agent"), id: text(200) }),
]);
export type BoardDetail = v.InferOutput<typeof detailSchema>;

/** A run's pane: its status (with its tests and verdict), plan (rendered inert, markdown.ts) and events; a missing artifact is left out. */
async function runDetail(tools: BoardTools, repoPath: string | undefined, runId: string): Promise<ToolAnswer> {
  const read = (tool: string, args: Json) => tools.read(tool, { run_id: runId, repo_path: repoPath, ...args }).then(answerOf);
  const [status, plan, events] = await Promise.all([
    read("patchbay_status", {}),
    read("patchbay_artifact", { artifact: "PLAN.md" }),
    read("patchbay_events", {}),
  ]);
  if (!status.ok) return status;
  return {
    ok: true,
    text: status.text,
    data: { status: status.data, plan: plan.ok ? renderPlan(String(plan.data.content)) : undefined, events: events.ok ? events.data : undefined },
  };
}

export function readDetail(tools: BoardTools, detail: BoardDetail): Promise<ToolAnswer> {
  const read = (tool: string, args: Json) => tools.read(tool, args).then(answerOf);
  switch (detail.kind) {
    case "worker":
      return read("codex_worker_inspect", { worker: detail.id, repo_path: detail.repo, view: detail.view, file_path: detail.file });
    case "run":
      return runDetail(tools, detail.repo, detail.id);
    case "job":
      return read("codex_get_status", { job_id: detail.id });
    case "agent":
      return read("recall", { as: detail.id, limit: 50 });
  }
}
