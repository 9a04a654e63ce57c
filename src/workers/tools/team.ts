/**
 * The worker tools that change the team: codex_worker_start, codex_worker_message,
 * codex_worker_stop; and codex_worker_list, the team at a glance.
 */
import { rm } from "node:fs/promises";
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { grantsOf, requireCapability } from "../../mcp/capability.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { agentConfigAmong, headCommit, openWorkspace } from "../../workspace/index.ts";
import { removeWorktree } from "../../worktrees/index.ts";
import { createWorkerWorktree } from "../changes.ts";
import { announceConflicts, dropWorkerRefs, teamConflictLines, teamConflicts, type WorkerConflicts } from "../conflicts.ts";
import { rebaseNote, rebaseWorktree } from "../rebase.ts";
import { isRetired, newWorkerId, updateWorker, workersInScopeCounted, WORKSPACE_MODES, type WorkerRecord } from "../record.ts";
import { assertCanContinue, refreshWorker, runTurn } from "../turns.ts";
import { promptFor } from "./context.ts";
import { namedRepo, namedWorker, takeoverOf } from "./lookup.ts";
import { effortArg } from "../../jobs/tools/index.ts";
import {
  contextArgs,
  modelArg,
  nameArg,
  repoPathArg,
  takeoverArgs,
  textArg,
  workerArg,
  workerLine,
  workerView,
  workerViewSchema,
  type WorkerView,
  conflictsSchema,
} from "./view.ts";

const STARTS_AGENT = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
const MODES = ["worker", "standard", "full"] as const;

async function viewOf(context: Pick<ToolContext, "app" | "session">, worker: WorkerRecord): Promise<WorkerView> {
  const { worker: fresh, job, state } = await refreshWorker(context.app, worker);
  return workerView(fresh, state, context.session.clientRef, job);
}

/** The built-in mock agent writes what its prompt says, word for word: the caller's own write. */
const MOCK_AGENT = "mock";

/** A mock worker in the base checkout: each message is the caller writing files there, configuration that runs programs included. */
function writesVerbatimInBase(worker: WorkerRecord): boolean {
  return worker.agent === MOCK_AGENT && worker.workspace_mode === "shared_write";
}

export const workerStart = defineTool({
  name: "codex_worker_start",
  title: "Start worker",
  description:
    "Start a named agent worker on a brief; returns at once (then codex_worker_inspect). " +
    "workspace_mode: isolated_write (own worktree and branch), read_only, or shared_write (the base checkout, locked).",
  input: v.strictObject({
    name: nameArg,
    brief: textArg("What the worker should do."),
    repo_path: repoPathArg,
    agent: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), v.description("codex, claude, gemini, mock, or one from [agents].")), "codex"),
    workspace_mode: v.optional(v.picklist(WORKSPACE_MODES), "isolated_write"),
    ...contextArgs,
    model: modelArg,
    reasoning_effort: effortArg,
  }),
  output: workerViewSchema,
  annotations: STARTS_AGENT,
  capability: "write_worktree",
  escalate: [
    { capability: "integrate", when: "workspace_mode shared_write", applies: (args) => args.workspace_mode === "shared_write" },
    {
      capability: "exec",
      when: "agent mock with workspace_mode shared_write (it writes what the brief says, word for word, in the base checkout)",
      applies: (args) => args.workspace_mode === "shared_write" && args.agent === MOCK_AGENT,
    },
  ],
  modes: MODES,
  labels: { invoking: "Starting a worker", invoked: "Worker started" },
  async handler(args, context) {
    const ws = await openWorkspace(context.session.scope, context.app, args.repo_path);
    const adapter = context.app.jobs.adapter(args.agent);
    const { store, config } = context.app;
    const id = newWorkerId();
    const created = await store.withLock("workers", async () => {
      const clash = (await store.find<WorkerRecord>("worker", { repo: (repo) => repo === ws.root, name: (name) => name === args.name })).find(
        (entry) => !isRetired(entry.data),
      );
      if (clash) {
        // What frees the name: stopping it, and for a worktree, removing it too (the change in it would be lost).
        const free = clash.data.worktree ? "stop it with codex_worker_stop cleanup_workspace=true" : "stop it with codex_worker_stop";
        const kept = clash.data.stopped_at ? " (stopped, its worktree kept)" : "";
        throw new PatchbayError("worker_exists", `a worker named ${JSON.stringify(args.name)} already exists in ${ws.root} (${clash.data.id})${kept}`, {
          next: `pick another name, message that worker (codex_worker_message), or ${free}`,
        });
      }
      const worktreeRoot = config.workers.worktree_root || `${context.app.home}/worktrees`;
      const worktree = args.workspace_mode === "isolated_write" ? await createWorkerWorktree(ws.root, worktreeRoot, args.name, id) : undefined;
      const now = new Date().toISOString();
      const head = worktree?.base_commit ?? (await headCommit(ws.root));
      const record: WorkerRecord = {
        id,
        name: args.name,
        repo: ws.root,
        agent: adapter.name,
        workspace_mode: args.workspace_mode,
        ...(worktree && { worktree }),
        ...(head && { base_revision: head }),
        ...(args.model && { model: args.model }),
        ...(args.reasoning_effort && { reasoning_effort: args.reasoning_effort }),
        owner: context.session.clientRef,
        turns: [],
        artifacts: [],
        takeovers: [],
        created_at: now,
        updated_at: now,
      };
      await store.put("worker", id, record);
      return record;
    });
    try {
      const { prompt, artifactIds } = await promptFor(context, created, args.brief, args);
      if (artifactIds.length) await updateWorker(store, id, (record) => void (record.artifacts = artifactIds));
      const { worker } = await runTurn(
        context.app,
        { ...created, artifacts: artifactIds },
        { prompt, kind: "start", tool: "codex_worker_start", by: context.session.clientRef },
      );
      const view = await viewOf(context, worker);
      return { text: workerLine(view), structured: view };
    } catch (error) {
      // A worker whose first turn never started is not a worker: leave no record or worktree behind.
      if (created.worktree) await removeWorktree(created.repo, created.worktree).catch(() => {});
      if (created.worktree) await rm(created.worktree.path, { recursive: true, force: true }).catch(() => {});
      await store.remove("worker", id);
      throw error;
    }
  },
});

export const workerMessage = defineTool({
  name: "codex_worker_message",
  title: "Message worker",
  description: "Send a worker its next instruction: a new turn in the same agent session and worktree. Refused while a turn runs (there is no queue).",
  input: v.strictObject({
    worker: workerArg,
    message: textArg("The instruction."),
    repo_path: repoPathArg,
    ...contextArgs,
    ...takeoverArgs,
    model: modelArg,
    reasoning_effort: effortArg,
    rebase: v.optional(v.pipe(v.boolean(), v.description("First rebase its worktree onto the base's HEAD, e.g. after its work landed."))),
  }),
  output: workerViewSchema,
  annotations: STARTS_AGENT,
  capability: "write_worktree",
  modes: MODES,
  labels: { invoking: "Messaging the worker", invoked: "Worker is working" },
  async handler(args, context) {
    const found = await namedWorker(context, args);
    const { worker, state } = await refreshWorker(context.app, found);
    const takeover = takeoverOf(context, worker, args, "codex_worker_message");
    if (writesVerbatimInBase(worker))
      requireCapability(
        "exec",
        grantsOf(context.session, context),
        `messaging mock worker ${worker.name}, which writes what it is told in the base checkout,`,
        "start an isolated_write worker instead",
      );
    assertCanContinue(worker, state, context.app.jobs.adapter(worker.agent).capabilities.resume);
    const rebased = args.rebase ? await rebaseWorker(context, worker) : undefined;
    const current = rebased?.worker ?? worker;
    const body = rebased?.note ? `${rebased.note}\n\n${args.message}` : args.message;
    const { prompt, artifactIds } = await promptFor(context, current, body, args);
    const owned = await updateWorker(context.app.store, worker.id, (record) => {
      if (takeover) {
        record.takeovers.push(takeover);
        record.owner = takeover.to;
      }
      record.artifacts = [...new Set([...record.artifacts, ...artifactIds])];
    });
    const { worker: after } = await runTurn(context.app, owned, {
      prompt,
      kind: "message",
      model: args.model,
      reasoningEffort: args.reasoning_effort,
      tool: "codex_worker_message",
      by: context.session.clientRef,
    });
    const view = await viewOf(context, after);
    return { text: workerLine(view), structured: view };
  },
});

/** Moves an isolated worker's worktree onto the current base and records its new base; the note tells the agent what happened. */
async function rebaseWorker(context: Pick<ToolContext, "app">, worker: WorkerRecord): Promise<{ worker: WorkerRecord; note?: string }> {
  if (worker.workspace_mode !== "isolated_write" || !worker.worktree)
    throw new PatchbayError("not_isolated", `rebase: worker ${worker.name} is ${worker.workspace_mode}; only isolated_write workers have a worktree to move`, {
      next: "send the message without rebase",
    });
  const result = await rebaseWorktree(worker.repo, worker.id, worker.worktree);
  if (!result.moved) return { worker };
  const saved = await updateWorker(context.app.store, worker.id, (record) => {
    record.worktree = { ...record.worktree!, base_commit: result.to };
    // Earlier rebases' files too: one left unresolved still holds its markers after this merge.
    const conflicts = [...new Set([...(record.rebase_conflicts ?? []), ...result.conflicts])].sort();
    if (conflicts.length) record.rebase_conflicts = conflicts;
  });
  return { worker: saved, note: rebaseNote(result) };
}

export const workerList = defineTool({
  name: "codex_worker_list",
  title: "List workers",
  description:
    "Workers in this session's repositories: state, report, last activity, and a team_report of files active workers both changed and whether they merge.",
  input: v.strictObject({
    repo_path: repoPathArg,
    active_only: v.optional(v.pipe(v.boolean(), v.description("Only workers running a turn."))),
    include_stopped: v.optional(v.pipe(v.boolean(), v.description("Include stopped workers."))),
    owned_only: v.optional(v.pipe(v.boolean(), v.description("Only workers this session owns."))),
  }),
  output: v.object({
    workers: v.array(workerViewSchema),
    team_report: v.string(),
    conflicts: v.array(conflictsSchema),
    /** When nothing is listed: how many workers in scope the filters left out (stopped ones included), from the index alone. */
    filtered_out: v.number(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: MODES,
  labels: { invoking: "Listing workers", invoked: "Workers listed" },
  async handler(args, context) {
    const repo = await namedRepo(context, args.repo_path);
    // Stopped workers are read only when listed, and counted for an empty list from the same index read: history costs nothing.
    const { workers: all, inScope } = await workersInScopeCounted(context.app.store, context.session.scope, {
      repo,
      includeStopped: Boolean(args.include_stopped),
    });
    const views = (await Promise.all(all.map((worker) => viewOf(context, worker))))
      .filter((view) => args.include_stopped || view.state !== "stopped")
      .filter((view) => !args.active_only || view.state === "running" || view.state === "starting")
      .filter((view) => !args.owned_only || view.owned_by_you)
      .sort((a, b) => (a.last_activity < b.last_activity ? 1 : -1));
    const lines = views.map((view) => {
      const report =
        (view.report ?? "")
          .split("\n")
          .find((line) => line.trim() !== "")
          ?.slice(0, 160) ?? "no report yet";
      const files = view.changed_files?.length ? ` [${view.changed_files.length} file(s) changed]` : "";
      // Named at a glance: landing it takes allow_agent_config (src/workspace/agent-config.ts).
      const config = agentConfigAmong(view.changed_files ?? []);
      const configured = config.length ? ` [configuration that runs programs: ${config.join(", ")}]` : "";
      return `- ${view.name} (${view.agent}, ${view.workspace_mode}): ${view.state}${files}${configured}: ${report}`;
    });
    const listed = new Set(views.map((view) => view.worker_id));
    const conflicts = (await conflictsOf(context, all)).filter((entry) => listed.has(entry.worker_id));
    const warnings = teamConflictLines(conflicts);
    // An empty list says what the filters left out, so stopped workers never read as "none yet".
    const hidden = views.length ? 0 : await inScope();
    const team_report = views.length
      ? `${views.length} worker(s):\n${lines.join("\n")}${warnings.length ? `\n\nOverlaps and conflicts:\n${warnings.map((line) => `- ${line}`).join("\n")}` : ""}`
      : hidden
        ? `No workers match; ${hidden} other(s) in scope (stopped or filtered out: include_stopped=true lists stopped ones).`
        : "No workers yet: start one with codex_worker_start.";
    return { text: team_report, structured: { workers: views, team_report, conflicts, filtered_out: hidden } };
  },
});

/**
 * Each repository's active isolated workers, compared with each other and their base (a pair is
 * reported on both sides); what is new is published as server events.
 */
async function conflictsOf(context: Pick<ToolContext, "app">, workers: WorkerRecord[]): Promise<WorkerConflicts[]> {
  const repos = [...new Set(workers.map((worker) => worker.repo))];
  const teams = await Promise.all(
    repos.map(async (repo) => {
      const team = await teamConflicts(
        repo,
        workers.filter((worker) => worker.repo === repo),
      );
      if (context.app.activity) announceConflicts(repo, team, (event) => context.app.activity!.publish(event));
      return team;
    }),
  );
  return teams.flatMap((team) => team.workers);
}

export const workerStop = defineTool({
  name: "codex_worker_stop",
  title: "Stop worker",
  description: "Stop a worker: cancels its running turn (the partial result is kept).",
  input: v.strictObject({
    worker: workerArg,
    repo_path: repoPathArg,
    cleanup_workspace: v.optional(v.pipe(v.boolean(), v.description("Also remove its worktree and branch."))),
    ...takeoverArgs,
  }),
  output: workerViewSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  capability: "record",
  modes: MODES,
  labels: { invoking: "Stopping the worker", invoked: "Worker stopped" },
  async handler(args, context) {
    const worker = await namedWorker(context, args);
    const takeover = takeoverOf(context, worker, args, "codex_worker_stop");
    const current = worker.turns.at(-1)?.job_id;
    if (current) await context.app.jobs.cancel(current).catch(() => undefined);
    const cleanup = Boolean(args.cleanup_workspace && worker.worktree && !worker.workspace_removed);
    if (cleanup) {
      await removeWorktree(worker.repo, worker.worktree!);
      await dropWorkerRefs(worker.repo, worker.id);
    }
    const refreshed = (await refreshWorker(context.app, worker)).worker;
    const stopped = await updateWorker(context.app.store, refreshed.id, (record) => {
      if (takeover) {
        record.takeovers.push(takeover);
        record.owner = takeover.to;
      }
      record.stopped_at = new Date().toISOString();
      if (cleanup) record.workspace_removed = true;
    });
    const view = await viewOf(context, stopped);
    return { text: `${workerLine(view)}${cleanup ? "\nIts worktree and branch were removed." : ""}`, structured: view };
  },
});

export const TEAM_TOOLS: readonly ToolDeclaration[] = [workerStart, workerMessage, workerList, workerStop];
