/**
 * Conflicts seen before they happen: for every active isolated worker of a repository, the files
 * it changed, whether its changes merge cleanly with the current base, and which other workers
 * changed the same files and whether theirs merge with its. Each worktree's changes become a real
 * commit under refs/patchbay/workers/<id>/ (snapshotCommit: no branch, index or worktree touched)
 * and `git merge-tree` compares commits; workers with no file in common are not merged at all.
 * A worker between turns keeps its snapshot until its record changes (a new turn, a rebase), so a
 * team report on a large repository does not stat every worktree again; a running one is looked at
 * every time.
 */
import { existsSync } from "node:fs";
import { isTerminal } from "../jobs/index.ts";
import { commitFromHeadFile, headCommit } from "../workspace/index.ts";
import { dropPrivateRefs, type MergeCheck, mergeCheck, snapshotCommit, unsafeChanges } from "../worktrees/index.ts";
import { workerChanges } from "./changes.ts";
import type { WorkerRecord } from "./record.ts";

export interface PeerOverlap {
  worker: string;
  worker_id: string;
  /** Files both changed (or a file one changed inside a folder the other replaced). */
  overlapping_files: string[];
  /** Of those, the ones git cannot merge. */
  conflicting_files: string[];
}

export interface WorkerConflicts {
  worker: string;
  worker_id: string;
  files: string[];
  /** The files that do not merge with the base checkout's HEAD (empty while the base has not moved). */
  base_conflicts: string[];
  peers: PeerOverlap[];
}

export interface TeamConflicts {
  head?: string;
  workers: WorkerConflicts[];
}

/** Merge results by commit pair: commits are content-addressed, so a pair always merges the same way. */
const merges = new Map<string, MergeCheck>();
const MAX_CACHED = 2_000;

async function cachedMerge(repo: string, ours: string, theirs: string): Promise<MergeCheck> {
  const key = `${ours}:${theirs}`;
  const known = merges.get(key);
  if (known) return known;
  const result = await mergeCheck(repo, ours, theirs);
  if (merges.size >= MAX_CACHED) merges.clear();
  merges.set(key, result);
  return result;
}

/** The ref namespace of one worker's snapshots. */
export function workerRefPrefix(workerId: string): string {
  return `refs/patchbay/workers/${workerId}/`;
}

/** Forgets a worker's snapshots (its worktree was removed). */
export function dropWorkerRefs(repo: string, workerId: string): Promise<void> {
  snapshots.delete(workerId);
  return dropPrivateRefs(repo, workerRefPrefix(workerId));
}

/** Workers whose worktree may still be integrated: isolated, not stopped, worktree present. */
export function activeIsolated(workers: WorkerRecord[]): WorkerRecord[] {
  return workers.filter((w) => w.workspace_mode === "isolated_write" && w.worktree && !w.workspace_removed && !w.stopped_at && existsSync(w.worktree.path));
}

interface Snapshot {
  worker: WorkerRecord;
  files: string[];
  commit?: string;
}

/** Snapshots of workers between turns, by the record state they were taken in. */
const snapshots = new Map<string, { key: string; files: string[]; commit?: string }>();

/** What a worker between turns is known by; undefined while a turn runs (its files are changing). */
function restingKey(worker: WorkerRecord): string | undefined {
  if (!worker.last_state || !isTerminal(worker.last_state)) return undefined;
  return [worker.turns.at(-1)?.job_id, worker.last_state, worker.worktree!.base_commit, worker.updated_at].join(":");
}

/** The worker's changes as a commit on its base (undefined when it changed nothing). */
async function snapshotOf(worker: WorkerRecord): Promise<Snapshot> {
  const key = restingKey(worker);
  const known = snapshots.get(worker.id);
  if (key && known?.key === key) return { worker, files: known.files, ...(known.commit && { commit: known.commit }) };
  let taken: Snapshot;
  try {
    taken = await takeSnapshot(worker);
  } catch {
    // A worktree git cannot read (its agent replaced .git) is that worker's trouble: no changes of its here, the team's picture stands.
    snapshots.delete(worker.id);
    return { worker, files: [] };
  }
  if (key) snapshots.set(worker.id, { key, files: taken.files, ...(taken.commit && { commit: taken.commit }) });
  else snapshots.delete(worker.id);
  return taken;
}

async function takeSnapshot(worker: WorkerRecord): Promise<Snapshot> {
  const wt = worker.worktree!;
  const changes = await workerChanges(wt.path, wt.base_commit);
  const unsafe = new Set((await unsafeChanges(wt.path, changes)).map((file) => file.path));
  const files = changes.map((change) => change.path).filter((path) => !unsafe.has(path));
  if (files.length === 0) return { worker, files };
  return { worker, files, commit: await snapshotCommit(wt.path, wt.base_commit, files, `${workerRefPrefix(worker.id)}snapshot`) };
}

/** The folders a path sits in: "a/b/c" → "a/b", "a". */
function foldersOf(path: string): string[] {
  const folders: string[] = [];
  for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) folders.push(path.slice(0, cut));
  return folders;
}

/** Paths both changed, and a path one changed inside a file the other changed (a file/folder clash). */
function overlapOf(a: string[], b: string[]): string[] {
  const [inA, inB] = [new Set(a), new Set(b)];
  const found = new Set<string>();
  for (const path of a) if (inB.has(path) || foldersOf(path).some((folder) => inB.has(folder))) found.add(path);
  for (const path of b) if (foldersOf(path).some((folder) => inA.has(folder))) found.add(path);
  return [...found].sort();
}

/** Runs `tasks` at most `limit` at a time (git calls on a shared machine). */
async function bounded<T>(tasks: Array<() => Promise<T>>, limit = 4): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < tasks.length; index = next++) results[index] = await tasks[index]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/**
 * The conflict picture of `workers` (all of one repository), against the base checkout's HEAD.
 *
 * @example
 * const { workers } = await teamConflicts(repo, activeIsolated(all)); // [{ worker: "a", peers: [{ worker: "b", conflicting_files: ["x.ts"] }] }]
 */
export async function teamConflicts(repo: string, workers: WorkerRecord[]): Promise<TeamConflicts> {
  const active = activeIsolated(workers);
  // Nothing to compare: a list of read-only or stopped workers reads nothing.
  if (active.length === 0) return { workers: [] };
  // Read from disk where the layout allows: a team report is asked for again and again.
  const head = commitFromHeadFile(repo) ?? (await headCommit(repo));
  const taken = await bounded(active.map((worker) => () => snapshotOf(worker)));
  const entries: WorkerConflicts[] = taken.map((s) => ({ worker: s.worker.name, worker_id: s.worker.id, files: s.files, base_conflicts: [], peers: [] }));
  const tasks: Array<() => Promise<void>> = [];
  taken.forEach((s, i) => {
    if (head && s.commit && head !== s.worker.worktree!.base_commit)
      tasks.push(async () => void (entries[i]!.base_conflicts = (await cachedMerge(repo, head, s.commit!)).conflicts));
    for (let j = i + 1; j < taken.length; j++) {
      const t = taken[j]!;
      const overlapping = overlapOf(s.files, t.files);
      if (!overlapping.length || !s.commit || !t.commit) continue;
      tasks.push(async () => {
        const { conflicts } = await cachedMerge(repo, s.commit!, t.commit!);
        entries[i]!.peers.push({ worker: t.worker.name, worker_id: t.worker.id, overlapping_files: overlapping, conflicting_files: conflicts });
        entries[j]!.peers.push({ worker: s.worker.name, worker_id: s.worker.id, overlapping_files: overlapping, conflicting_files: conflicts });
      });
    }
  });
  await bounded(tasks);
  for (const entry of entries) entry.peers.sort((a, b) => (a.worker < b.worker ? -1 : 1));
  return { ...(head && { head }), workers: entries };
}

/** Conflict and overlap lines already published, per repository: each is announced once while it lasts. */
const announced = new Map<string, Set<string>>();

/**
 * Publishes what is new in a repository's whole picture (`team` must be all of its workers, or a
 * narrower list would make lines come and go): a conflict as a warning, an overlap that merges as
 * info, each pair once. A line that went away and comes back is announced again.
 */
export function announceConflicts(
  repo: string,
  team: TeamConflicts,
  publish: (event: { level: "info" | "warning"; source: string; text: string; repo: string }) => void,
): void {
  const now = new Map<string, "info" | "warning">();
  for (const entry of team.workers) {
    if (entry.base_conflicts.length) now.set(`${entry.worker} conflicts with the current base in ${entry.base_conflicts.join(", ")}`, "warning");
    for (const peer of entry.peers.filter((other) => entry.worker < other.worker)) {
      const [line] = conflictLines({ ...entry, base_conflicts: [], peers: [peer] });
      now.set(line!, peer.conflicting_files.length ? "warning" : "info");
    }
  }
  const before = announced.get(repo) ?? new Set<string>();
  for (const [text, level] of now) if (!before.has(text)) publish({ level, source: "workers", text, repo });
  announced.set(repo, new Set(now.keys()));
}

/** One line per problem, for the team report and the integration preview. */
/**
 * The team's overlaps and conflicts as lines, each pair once: `entries` report a pair on both
 * sides, and a list that shows both workers needs to say it only once.
 */
export function teamConflictLines(entries: readonly WorkerConflicts[]): string[] {
  const listed = new Set(entries.map((entry) => entry.worker_id));
  return entries.flatMap((entry) =>
    conflictLines({ ...entry, peers: entry.peers.filter((peer) => !(listed.has(peer.worker_id) && peer.worker_id < entry.worker_id)) }),
  );
}

export function conflictLines(entry: WorkerConflicts): string[] {
  const lines = entry.peers.map((peer) =>
    peer.conflicting_files.length
      ? `${entry.worker} conflicts with ${peer.worker} in ${peer.conflicting_files.join(", ")}`
      : `${entry.worker} and ${peer.worker} both changed ${peer.overlapping_files.join(", ")} (they merge cleanly)`,
  );
  if (entry.base_conflicts.length) lines.unshift(`${entry.worker} conflicts with the current base in ${entry.base_conflicts.join(", ")}`);
  return lines;
}
