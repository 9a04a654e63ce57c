/**
 * The worker record: a named agent colleague, durable in the state store (kind "worker") on its
 * own, never derived from job options. Its turns are jobs; the record keeps which ones, the
 * session to continue, the worktree, the owner and the latest report.
 */
import { randomBytes } from "node:crypto";
import { likelyMeant, PatchbayError } from "../errors/index.ts";
import type { JobRecord, JobState } from "../jobs/index.ts";
import { realRoots, type SessionScope } from "../mcp/session.ts";
import { isRecordId, type RecordStore } from "../state/index.ts";
import { isInside } from "./paths.ts";

export const WORKSPACE_MODES = ["isolated_write", "read_only", "shared_write"] as const;
export type WorkspaceMode = (typeof WORKSPACE_MODES)[number];

/** What a worker is doing, derived from its latest turn (a job) and whether it was stopped. */
export type WorkerState = "starting" | "running" | "idle" | "failed" | "cancelled" | "timed_out" | "interrupted" | "stopped";

export interface WorkerTurn {
  job_id: string;
  kind: "start" | "message";
  at: string;
  by: string;
}

export interface WorkerRecord {
  id: string;
  name: string;
  /** Real path of the base repository. */
  repo: string;
  agent: string;
  workspace_mode: WorkspaceMode;
  /** The worker's own worktree and branch (isolated_write only). */
  worktree?: { path: string; branch: string; base_commit: string };
  /** HEAD of the base checkout when the worker was created. */
  base_revision?: string;
  model?: string;
  reasoning_effort?: string;
  /** client_ref of the session that may change the worker without a takeover. */
  owner: string;
  session_id?: string;
  turns: WorkerTurn[];
  /** Latest turn's outcome, copied from its job once it ended. */
  report?: string;
  last_state?: JobState;
  changed_files?: string[];
  /** Files a rebase left with conflict markers for the agent to resolve (unresolved.ts says which still hold them). */
  rebase_conflicts?: string[];
  artifacts: string[];
  /** The latest integration; `commit` when it was committed in the base checkout. */
  integrated?: { at: string; by: string; files: string[]; patch_sha256: string; base_moved: boolean; commit?: string };
  takeovers: Array<{ at: string; from: string; to: string; reason: string; tool: string }>;
  stopped_at?: string;
  workspace_removed?: boolean;
  created_at: string;
  updated_at: string;
}

export const MAX_TURNS_KEPT = 100;
export const MAX_REPORT_CHARS = 8_000;

export function newWorkerId(): string {
  return `wrk_${randomBytes(10).toString("hex")}`;
}

/** The worker's state now, given its latest job (undefined when there is none yet). */
export function workerState(worker: WorkerRecord, latest?: JobRecord): WorkerState {
  if (worker.stopped_at) return "stopped";
  const state = latest?.state ?? worker.last_state;
  if (!state) return "starting";
  if (state === "pending" || state === "running") return "running";
  return state === "succeeded" ? "idle" : state;
}

export function latestJobId(worker: WorkerRecord): string | undefined {
  return worker.turns.at(-1)?.job_id;
}

/**
 * The workers in `scope`'s roots, in `only.repo` when given, without the stopped ones when
 * `only.includeStopped` is false; read through the state's worker index, so stopped workers and
 * other repositories' cost nothing.
 */
export async function workersInScope(store: RecordStore, scope: SessionScope, only: { repo?: string; includeStopped?: boolean } = {}): Promise<WorkerRecord[]> {
  const found = await store.find<WorkerRecord>("worker", await inScope(scope, only));
  return found.map((entry) => entry.data);
}

/**
 * `workersInScope`, and how many workers in scope there are in all (stopped ones too), counted
 * from the same reading of the worker index when asked: a long history is not read to be counted.
 */
export async function workersInScopeCounted(
  store: RecordStore,
  scope: SessionScope,
  only: { repo?: string; includeStopped?: boolean } = {},
): Promise<{ workers: WorkerRecord[]; inScope(): Promise<number> }> {
  const where = await inScope(scope, only);
  const { records, count } = await store.findAndCount<WorkerRecord>("worker", where, { repo: where.repo });
  return { workers: records.map((entry) => entry.data), inScope: count };
}

/** Tests of the worker index's fields (src/state/field-index.ts), as `store.find` takes them. */
type WorkerTests = { repo: (value: string) => boolean; stopped_at?: (value: string) => boolean };

/** The worker index's tests for the workers in `scope`'s roots (in `only.repo`), stopped ones left out when `only.includeStopped` is false. */
async function inScope(scope: SessionScope, only: { repo?: string; includeStopped?: boolean }): Promise<WorkerTests> {
  const roots = realRoots(scope);
  return {
    repo: (repo) => (!only.repo || repo === only.repo) && roots.some((root) => isInside(root, repo)),
    ...(only.includeStopped === false && { stopped_at: (stoppedAt: string) => stoppedAt === "" }),
  };
}

/**
 * A stopped worker with nothing left behind (no worktree, or its worktree removed) gives up its
 * name: a new worker may take it, and the name then means the new one.
 */
export function isRetired(worker: Pick<WorkerRecord, "stopped_at" | "worktree" | "workspace_removed">): boolean {
  return Boolean(worker.stopped_at) && (!worker.worktree || worker.workspace_removed === true);
}

/**
 * The worker a tool names, by id or by name, among those in `scope`; a name used in several
 * repositories needs repo_path. A name a retired worker passed on means the worker holding it
 * now, or, when none does, the retired one last created.
 *
 * @example
 * const worker = await findWorker(context.app.store, context.session.scope, "reviewer", repo);
 */
export async function findWorker(store: RecordStore, scope: SessionScope, ref: string, repo?: string): Promise<WorkerRecord> {
  const roots = realRoots(scope);
  const byId = isRecordId(ref) ? (await store.get<WorkerRecord>("worker", ref))?.data : undefined;
  if (byId && roots.some((root) => isInside(root, byId.repo))) return byId;
  const seen = (where: string) => (!repo || where === repo) && roots.some((root) => isInside(root, where));
  const all = (await store.find<WorkerRecord>("worker", { name: (name) => name === ref, repo: seen })).map((entry) => entry.data);
  const holding = all.filter((worker) => !isRetired(worker));
  const lastRetired = all.filter(isRetired).sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  // A name retired in two repositories is as ambiguous as one held in both.
  const named = holding.length ? holding : new Set(lastRetired.map((worker) => worker.repo)).size > 1 ? lastRetired : lastRetired.slice(0, 1);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new PatchbayError(
      "worker_ambiguous",
      `${named.length} workers are named ${JSON.stringify(ref)} (in ${named.map((worker) => worker.repo).join(", ")})`,
      { next: "pass repo_path, or the worker's id" },
    );
  }
  // The name most likely meant among the workers this session sees (`Writer`, `writr` for `writer`).
  const names = (await store.find<WorkerRecord>("worker", { repo: seen })).map((entry) => entry.data.name);
  const meant = likelyMeant(ref, [...new Set(names)]);
  const hint = meant ? ` (did you mean ${JSON.stringify(meant)}?)` : "";
  throw new PatchbayError("worker_not_found", `no worker ${JSON.stringify(ref)}${repo ? ` in ${repo}` : ""} in this session's repositories${hint}`, {
    next: "list workers with codex_worker_list",
  });
}

export interface TakeoverArgs {
  takeover?: boolean;
  takeover_reason?: string;
}

/**
 * Reading is shared; changing another session's worker or artifact needs `takeover: true` with a
 * reason, which is recorded. `me` is the asking session's client_ref. Returns the takeover entry
 * to record, or undefined for the owner.
 */
export function checkOwnership(owner: string, me: string, args: TakeoverArgs, what: string, tool: string) {
  if (args.takeover_reason !== undefined && !args.takeover) {
    throw new PatchbayError("invalid_arguments", "takeover_reason: given without takeover: true, so it would be ignored", {
      next: "pass takeover: true with the reason, or leave the reason out",
    });
  }
  if (owner === me) return undefined;
  if (!args.takeover) {
    throw new PatchbayError("takeover_required", `${what} belongs to another session (${owner})`, {
      next: "reading is shared; to change it, call again with takeover: true and a takeover_reason (recorded)",
      details: { owner },
    });
  }
  const reason = args.takeover_reason?.trim();
  if (!reason)
    throw new PatchbayError("invalid_arguments", "takeover_reason: required with takeover: true (it is recorded)", {
      next: "say why you take over, in a sentence",
    });
  return { at: new Date().toISOString(), from: owner, to: me, reason: reason.slice(0, 500), tool };
}

/**
 * Saves a change to a worker under its record lock, returning the new record. `change` edits a
 * draft, a deep copy of the record read under the lock, so that record (and anything sharing its
 * arrays) is never changed in place, and a change that throws leaves nothing half-applied.
 *
 * @example
 * const saved = await updateWorker(store, worker.id, (draft) => void (draft.last_state = "succeeded"));
 */
export async function updateWorker(store: RecordStore, id: string, change: (draft: WorkerRecord) => void): Promise<WorkerRecord> {
  const saved = await store.update<WorkerRecord>("worker", id, (current) => {
    if (!current) throw new PatchbayError("worker_not_found", `worker ${id} is gone`, { next: "list workers with codex_worker_list" });
    const draft = structuredClone(current.data);
    change(draft);
    return { ...draft, updated_at: new Date().toISOString() };
  });
  return saved.data;
}
