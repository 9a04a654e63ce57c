/** What the worker tools return about a worker, and the shared arguments. */
import * as v from "valibot";
import type { JobRecord } from "../../jobs/index.ts";
import { modelIdArg } from "../../jobs/tools/index.ts";
import { agentConfigAmong } from "../../workspace/index.ts";
import { CONTEXT_DETAILS } from "../prompt.ts";
import type { WorkerRecord, WorkerState } from "../record.ts";
import { unresolvedConflicts } from "../unresolved.ts";

export const workerArg = v.pipe(v.string(), v.minLength(1), v.maxLength(140), v.description("Name or id (wrk_…)."));
export const nameArg = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, "1-64 letters, digits, spaces, dots, dashes or underscores"),
  v.description("Unique in the repository, e.g. backend."),
);
export { repoPathArg } from "../../mcp/tool-args.ts";
export const textArg = (what: string) => v.pipe(v.string(), v.minLength(1), v.maxLength(200_000), v.description(what));
export const modelArg = modelIdArg("A model id (codex_worker_options lists them).");
export const takeoverArgs = {
  takeover: v.optional(v.pipe(v.boolean(), v.description("Act on another session's worker (recorded)."))),
  takeover_reason: v.optional(v.pipe(v.string(), v.maxLength(500), v.description("Required with takeover."))),
};
export const contextArgs = {
  context_from_workers: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.maxLength(140))), v.maxLength(10), v.description("Peers whose work the agent gets as context.")),
  ),
  context_from_artifacts: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.maxLength(40))), v.maxLength(10), v.description("Artifact ids to copy into the worktree.")),
  ),
  context_detail: v.optional(v.pipe(v.picklist(CONTEXT_DETAILS), v.description("Per peer: report (default), +changed files, or +diff."))),
};

export const workerViewSchema = v.object({
  worker_id: v.string(),
  name: v.string(),
  repo: v.string(),
  agent: v.string(),
  workspace_mode: v.string(),
  state: v.string(),
  owner: v.string(),
  owned_by_you: v.boolean(),
  model: v.optional(v.string()),
  reasoning_effort: v.optional(v.string()),
  session_id: v.optional(v.string()),
  worktree: v.optional(v.object({ path: v.string(), branch: v.string(), base_commit: v.string() })),
  base_revision: v.optional(v.string()),
  current_job_id: v.optional(v.string()),
  turns: v.number(),
  report: v.optional(v.string()),
  changed_files: v.optional(v.array(v.string())),
  /** Files a rebase left with merge conflicts that still hold the markers: the worker's changes do not land until they are resolved. */
  unresolved_conflicts: v.optional(v.array(v.string())),
  artifacts: v.array(v.string()),
  integrated: v.optional(
    v.object({ at: v.string(), by: v.string(), files: v.array(v.string()), patch_sha256: v.string(), base_moved: v.boolean(), commit: v.optional(v.string()) }),
  ),
  takeovers: v.number(),
  last_activity: v.string(),
  created_at: v.string(),
  stopped_at: v.optional(v.string()),
  workspace_removed: v.optional(v.boolean()),
});
export type WorkerView = v.InferOutput<typeof workerViewSchema>;

/** One worker's overlaps and conflicts (conflicts.ts's WorkerConflicts). */
export const conflictsSchema = v.object({
  worker: v.string(),
  worker_id: v.string(),
  files: v.array(v.string()),
  base_conflicts: v.array(v.string()),
  peers: v.array(v.object({ worker: v.string(), worker_id: v.string(), overlapping_files: v.array(v.string()), conflicting_files: v.array(v.string()) })),
});

export function workerView(worker: WorkerRecord, state: WorkerState, me: string, job?: JobRecord): WorkerView {
  const unresolved = worker.rebase_conflicts && worker.worktree ? unresolvedConflicts(worker.worktree.path, worker.rebase_conflicts) : [];
  const lastActivity = [worker.updated_at, job?.finished_at, job?.started_at]
    .filter((at): at is string => Boolean(at))
    .sort()
    .at(-1)!;
  return {
    worker_id: worker.id,
    name: worker.name,
    repo: worker.repo,
    agent: worker.agent,
    workspace_mode: worker.workspace_mode,
    state,
    owner: worker.owner,
    owned_by_you: worker.owner === me,
    ...(worker.model && { model: worker.model }),
    ...(worker.reasoning_effort && { reasoning_effort: worker.reasoning_effort }),
    ...(worker.session_id && { session_id: worker.session_id }),
    ...(worker.worktree && { worktree: worker.worktree }),
    ...(worker.base_revision && { base_revision: worker.base_revision }),
    ...(worker.turns.length && { current_job_id: worker.turns.at(-1)!.job_id }),
    turns: worker.turns.length,
    ...(worker.report && { report: worker.report }),
    ...(worker.changed_files && { changed_files: worker.changed_files }),
    ...(unresolved.length && { unresolved_conflicts: unresolved }),
    artifacts: worker.artifacts,
    ...(worker.integrated && { integrated: worker.integrated }),
    takeovers: worker.takeovers.length,
    last_activity: lastActivity,
    created_at: worker.created_at,
    ...(worker.stopped_at && { stopped_at: worker.stopped_at }),
    ...(worker.workspace_removed && { workspace_removed: true }),
  };
}

export function workerLine(view: WorkerView): string {
  const where = view.worktree ? ` in ${view.worktree.path} (branch ${view.worktree.branch})` : ` in ${view.repo}`;
  const head = `Worker ${view.name} (${view.worker_id}, ${view.agent}, ${view.workspace_mode}) is ${view.state}${where}.`;
  const files = view.changed_files?.length ? ` Changed: ${view.changed_files.join(", ")}.` : "";
  // Every changed file and the whole report as kept (MAX_REPORT_CHARS): some hosts' models read only the text (docs/hosts.md).
  const conflicts = view.unresolved_conflicts?.length
    ? ` Merge conflicts from the rebase not yet resolved (its changes do not land until they are): ${view.unresolved_conflicts.join(", ")}.`
    : "";
  return `${head}${files}${conflicts}${agentConfigNote(view)}${view.report ? `\n\nReport:\n${view.report}` : ""}`;
}

/**
 * Said as soon as a turn changed configuration that runs programs (src/workspace/agent-config.ts;
 * by name: a repository's own core.hooksPath folder is known at integration): an isolated
 * worker's change then lands only with allow_agent_config, and a shared_write worker's is in the
 * base checkout already, where the user's own agents or next commit will run what it names.
 */
function agentConfigNote(view: WorkerView): string {
  const files = agentConfigAmong(view.changed_files ?? []);
  if (files.length === 0) return "";
  const what =
    view.workspace_mode === "shared_write"
      ? "it is in the base checkout already, where the user's agents or next commit run what it names: review it"
      : "integrating it needs allow_agent_config (the exec capability)";
  return ` Configuration that runs programs among them (${what}): ${files.join(", ")}.`;
}
