/**
 * The jobs' place for worktrees: an isolated job's own worktree (made by src/worktrees), one file's
 * diff against the job's base, the whole change of a finished job, and removing its worktree (on
 * request, or by the retention sweep).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { branchPoint, changedFiles, createWorktree, removeWorktree, type Worktree, worktreeFileDiff, worktreePatch } from "../worktrees/index.ts";
import { isTerminal, type JobRecord } from "./record.ts";

/**
 * A worktree on `patchbay/job-<id>` at `<root>/jobs/<id>`, branched from HEAD.
 *
 * @example
 * const wt = await createJobWorktree("/srv/repo", "/home/me/.patchbay/worktrees", "job_00abc…");
 */
export async function createJobWorktree(repo: string, worktreeRoot: string, id: string): Promise<Worktree> {
  const base = await branchPoint(repo, {
    message: `${repo} has no commit to branch from (apply jobs run in a git worktree)`,
    next: "commit once in the repository, or use codex_plan_job for a read-only job",
  });
  return createWorktree(repo, { path: join(worktreeRoot, "jobs", id), branch: jobBranch(id) }, base);
}

const jobBranch = (id: string) => `patchbay/job-${id}`;

export interface FileDiff {
  diff: string;
  binary: boolean;
  status: "modified" | "added" | "deleted";
  truncated: boolean;
}

/** What to do about a file the patch refuses to read: the job's own agent put it there. */
const UNSAFE_NEXT = "the job left a link out of its worktree, or a FIFO, socket or device; look at it by hand in the worktree";

/**
 * One file's change in `cwd` against `base`, from the patch integration would apply (a new file
 * as git writes it, with its mode; a link out of the worktree refused unread); binaries summarized.
 */
export async function fileDiff(cwd: string, base: string, relPath: string, maxBytes: number): Promise<FileDiff> {
  const file = (await changedFiles(cwd, base)).find((change) => change.path === relPath);
  if (!file) return { diff: "", binary: false, status: "modified", truncated: false };
  return { ...(await worktreeFileDiff(cwd, base, file, maxBytes, UNSAFE_NEXT)), status: file.status };
}

/** An apply job's worktree, once the job has ended: what `job diff` and `job clean` work on. */
function finishedWorktree(record: JobRecord): NonNullable<JobRecord["worktree"]> {
  if (!record.worktree)
    throw new PatchbayError("not_isolated", `job ${record.id} is a ${record.kind} job: it ran in the repository, without a worktree of its own`, {
      next: "`git diff` in the repository shows what it changed",
    });
  if (!isTerminal(record.state))
    throw new PatchbayError("job_running", `job ${record.id} is still ${record.state}`, { next: "wait for it to end, or cancel it" });
  return record.worktree;
}

/**
 * Everything an apply job changed in its worktree against its base commit, as the one patch
 * `job integrate` would apply (so `git apply` takes it); files the patch cannot carry are listed.
 */
export async function jobDiff(
  record: JobRecord,
  maxBytes: number,
): Promise<{ files: string[]; diff: string; skipped_files: string[]; unsafe_files: Array<{ path: string; why: string }>; too_large_files: string[] }> {
  const { path, base_commit } = finishedWorktree(record);
  if (!existsSync(path)) throw new PatchbayError("workspace_missing", `job ${record.id}'s worktree ${path} was removed`, { next: "nothing is left to show" });
  const patch = await worktreePatch(path, base_commit, await changedFiles(path, base_commit), maxBytes);
  return {
    files: patch.files,
    diff: patch.patch,
    skipped_files: patch.skipped_files,
    unsafe_files: patch.unsafe_files,
    too_large_files: patch.too_large_files,
  };
}

/**
 * The worktree a finished job made for itself: a worker's turn runs in the worker's worktree, and
 * a job that continues another runs in that one's, so neither may be carried over or removed as its own.
 */
export function ownWorktree(record: JobRecord): NonNullable<JobRecord["worktree"]> {
  const worktree = finishedWorktree(record);
  if (worktree.branch === jobBranch(record.id)) return worktree;
  const owner = /^patchbay\/job-(.+)$/.exec(worktree.branch)?.[1];
  if (owner)
    throw new PatchbayError("not_isolated", `job ${record.id} continued job ${owner} in that job's worktree`, {
      next: `use job ${owner}, whose worktree it is`,
    });
  throw new PatchbayError("not_isolated", `job ${record.id} was a worker's turn, in the worker's worktree (${worktree.branch})`, {
    next: "the worker's own tools carry it over (codex_worker_integrate) or remove it (codex_worker_stop cleanup_workspace=true)",
  });
}

/** Removes a finished job's worktree and its `patchbay/job-<id>` branch; false when both were already gone. */
export async function cleanJobWorktree(record: JobRecord, jobs: readonly JobRecord[]): Promise<boolean> {
  const worktree = ownWorktree(record);
  const user = jobs.find((job) => job.worktree?.path === worktree.path && !isTerminal(job.state));
  if (user) throw new PatchbayError("job_running", `job ${user.id} still runs in job ${record.id}'s worktree`, { next: "wait for it to end, or cancel it" });
  return removeWorktree(record.repo, worktree);
}

/** True when the job is over and ended at or before `cutoff` (ms): its retention has run out. */
export function endedBefore(job: JobRecord, cutoff: number): boolean {
  return isTerminal(job.state) && job.finished_at !== undefined && Date.parse(job.finished_at) <= cutoff;
}

/**
 * The retention sweep: removes the worktree and branch of every isolated job that ended before
 * `cutoff` (ms) when no job in it ended later or still runs; returns the worktrees removed.
 */
export async function sweepJobWorktrees(jobs: readonly JobRecord[], cutoff: number): Promise<string[]> {
  const removed: string[] = [];
  for (const job of jobs) {
    const worktree = job.worktree;
    if (!worktree || worktree.branch !== jobBranch(job.id) || !existsSync(worktree.path)) continue;
    const users = jobs.filter((other) => other.worktree?.path === worktree.path);
    const ended = users.every((other) => endedBefore(other, cutoff));
    if (ended && (await removeWorktree(job.repo, worktree))) removed.push(worktree.path);
  }
  return removed;
}
