/**
 * The job runtime of the server: submits jobs, runs them under the concurrency limit, cancels
 * them, lets callers wait on them with live progress, and recovers what a dead server left. What
 * it offers is runtime-interface.ts; a new job's record and turn, new-job.ts.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { agentExecutable, resolveAdapter } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { sweepSessionHandles } from "../mcp/local-details.ts";
import { refuseOverBudget, turnScope, usageLedger } from "../usage/index.ts";
import { executeJob } from "./execute.ts";
import { jobLogFile, jobLogsDir } from "./logs.ts";
import { createJobQueue } from "./queue.ts";
import { pendingRecord, turnOf } from "./new-job.ts";
import { appendEvent, JOB_ID_PATTERN, newJobId, type JobRecord } from "./record.ts";
import { recoverJobs } from "./recovery.ts";
import { assertExecutable } from "./executable.ts";
import { createJobWorktree, endedBefore, sweepJobWorktrees } from "./job-worktree.ts";
import type { JobProgress, JobRuntime, JobRuntimeOptions } from "./runtime-interface.ts";
import { waitForEnd } from "./wait-for-end.ts";

export type { JobProgress, JobRuntime, JobRuntimeOptions, JobSpec } from "./runtime-interface.ts";

/**
 * How long after a retention sweep a job's end starts no other: a sweep reads every job and
 * session handle (30 ms at 1,000 jobs, on the event loop), and retention is counted in days. With
 * a retention of 0 days every end sweeps, so a finished job's worktree goes at once.
 */
const SWEEP_AGAIN_AFTER_MS = 3_600_000;
/** Jobs read at a time by a filtered list. */
const LIST_BATCH = 100;

/**
 * What a crash must not lose once a caller has seen it: the agent session (a caller resumes it)
 * and the agent's process (the next start stops it). A running job shows them only once saved.
 */
const SHOWN_ONCE_SAVED = ["session_id", "pid", "pid_started"] as const;

interface ActiveJob {
  record: JobRecord;
  /** SHOWN_ONCE_SAVED as the last finished save wrote them. */
  saved: Pick<JobRecord, (typeof SHOWN_ONCE_SAVED)[number]>;
  controller: AbortController;
  listeners: Set<(progress: JobProgress) => void>;
  seq: number;
  saving: Promise<void>;
  /** Resolves once the final record is saved. */
  done: Promise<void>;
  finished: () => void;
}

export function createJobRuntime(options: JobRuntimeOptions): JobRuntime {
  const { home, config, store, redact } = options;
  const instance = randomBytes(8).toString("hex");
  const logsDir = jobLogsDir(home, config);
  const worktreeRoot = config.workers.worktree_root || join(home, "worktrees");
  const queue = createJobQueue(config.server.max_concurrent_jobs);
  const active = new Map<string, ActiveJob>();
  let shuttingDown = false;
  let sweptAt: number | undefined;
  /** The sweep running now: the next waits for it, so two never remove the same worktree. */
  let sweeping: Promise<unknown> = Promise.resolve();

  function save(job: ActiveJob): Promise<void> {
    const snapshot = structuredClone(job.record);
    job.saving = job.saving
      .then(() => store.put("job", snapshot.id, snapshot))
      .then(
        () => {
          job.saved = { session_id: snapshot.session_id, pid: snapshot.pid, pid_started: snapshot.pid_started };
        },
        () => {},
      );
    return job.saving;
  }

  /** A running job as callers see it: the live record, with SHOWN_ONCE_SAVED as saved. */
  function shown(job: ActiveJob): JobRecord {
    const view = structuredClone(job.record);
    for (const field of SHOWN_ONCE_SAVED) {
      if (job.saved[field] === undefined) delete view[field];
      else Object.assign(view, { [field]: job.saved[field] });
    }
    return view;
  }

  function emit(job: ActiveJob, text: string): void {
    const progress = { id: job.record.id, seq: ++job.seq, text, state: job.record.state };
    for (const listener of job.listeners) listener(progress);
    options.onProgress?.(progress, job.record);
  }

  async function read(id: string): Promise<JobRecord> {
    if (!JOB_ID_PATTERN.test(id)) throw notFound(id);
    const live = active.get(id);
    if (live) return shown(live);
    const stored = await store.get<JobRecord>("job", id);
    if (!stored) throw notFound(id);
    return stored.data;
  }

  async function start(job: ActiveJob, input: Parameters<typeof executeJob>[1]): Promise<void> {
    job.record.state = "running";
    job.record.started_at = new Date().toISOString();
    appendEvent(job.record, "job running");
    emit(job, "job running");
    await save(job);
    await executeJob(job.record, input, {
      home,
      config,
      store,
      logsDir,
      redact,
      signal: job.controller.signal,
      shuttingDown: () => shuttingDown,
      save: () => save(job),
      emit: (line) => emit(job, line),
    });
    await job.saving;
    finish(job);
    // A job's end is when a retention period can run out.
    const due = config.server.job_worktree_retention_days === 0 || sweptAt === undefined || Date.now() - sweptAt >= SWEEP_AGAIN_AFTER_MS;
    if (due) void runtime.sweepWorktrees().catch(() => {});
  }

  function finish(job: ActiveJob): void {
    active.delete(job.record.id);
    job.listeners.clear();
    job.finished();
  }

  /** Ends a job that never started: cancelled by a caller, or interrupted by a shutdown. */
  async function endPending(job: ActiveJob, state: "cancelled" | "interrupted"): Promise<void> {
    job.controller.abort();
    job.record.state = state;
    job.record.finished_at = new Date().toISOString();
    const why = state === "cancelled" ? "cancelled before it started" : "the server stopped before the job started";
    job.record.result = { changed_files: [], commands: [], error: why, error_code: state };
    appendEvent(job.record, `job ${state}`);
    emit(job, `job ${state}`);
    await save(job);
    finish(job);
  }

  const runtime: JobRuntime = {
    adapter: (name) => resolveAdapter(name, config),

    async submit(spec) {
      if (shuttingDown) throw new PatchbayError("server_stopping", "the server is stopping and takes no new jobs", { next: "start it again and retry" });
      const adapter = resolveAdapter(spec.agent, config);
      const executable = agentExecutable(adapter, config);
      await assertExecutable(adapter, executable);
      await refuseOverBudget(usageLedger(home, store), config, turnScope(spec.repo, spec.usageOwner));
      const id = newJobId();
      const worktree = spec.isolate ? await createJobWorktree(spec.repo, worktreeRoot, id) : (spec.worktree ?? spec.continueFrom?.worktree);
      const record = pendingRecord(spec, { id, adapter, worktree, logsDir, instance });
      appendEvent(record, `job pending (${spec.kind}, ${adapter.name})`);
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      const job: ActiveJob = { record, saved: {}, controller: new AbortController(), listeners: new Set(), seq: 0, saving: Promise.resolve(), done, finished };
      active.set(id, job);
      await save(job);
      queue.enqueue(id, () => start(job, { adapter, executable, turn: turnOf(spec), previousUsage: spec.continueFrom?.cumulative_usage }));
      return structuredClone(record);
    },

    get: read,

    async list(options = {}) {
      const ids = (await store.ids("job")).reverse();
      const limit = options.limit ?? ids.length;
      // Without a filter the newest `limit` are all there is to read; with one, a batch at a time until enough pass.
      const batch = options.where ? LIST_BATCH : limit;
      const kept: JobRecord[] = [];
      for (let at = 0; at < ids.length && kept.length < limit; at += batch) {
        for (const entry of await store.getMany<JobRecord>("job", ids.slice(at, at + batch))) {
          if (!entry) continue;
          const live = active.get(entry.id);
          // A record read here is parsed afresh and the caller's own: only a live one is copied.
          const job = live ? shown(live) : entry.data;
          if (options.where && !options.where(job)) continue;
          kept.push(job);
          if (kept.length === limit) break;
        }
      }
      return kept;
    },

    async ofSessions(sessionIds) {
      const found = await store.find<JobRecord>("job", { session_id: (value) => sessionIds.has(value) });
      // A running job as callers see it (its state may be ahead of the record saved).
      const jobs = new Map(found.map((entry) => [entry.id, entry.data]));
      for (const job of active.values()) jobs.set(job.record.id, shown(job));
      return [...jobs.values()].filter((job) => job.session_id !== undefined && sessionIds.has(job.session_id)).sort((a, b) => (a.id < b.id ? 1 : -1));
    },

    async cancel(id) {
      const job = active.get(id);
      if (!job) return read(id); // already over: cancelling is a no-op that shows the outcome
      if (queue.drop(id)) await endPending(job, "cancelled");
      else {
        job.controller.abort();
        await job.done;
      }
      return read(id);
    },

    async wait(id, timeoutMs, waitOptions = {}) {
      const job = active.get(id);
      if (!job) return read(id);
      const listener = (progress: JobProgress) => waitOptions.onProgress?.(progress);
      job.listeners.add(listener);
      try {
        await waitForEnd(job.done, timeoutMs, waitOptions.signal);
      } finally {
        job.listeners.delete(listener);
      }
      return read(id);
    },

    logFile: (id, stream) => jobLogFile(logsDir, id, stream),
    running: () => queue.running(),
    async recover() {
      await recoverJobs({ store, config, skip: (id) => active.has(id) });
      await runtime.sweepWorktrees().catch(() => {});
    },

    sweepWorktrees() {
      sweptAt = Date.now();
      const sweep = sweeping.then(async () => {
        const jobs = await runtime.list();
        const cutoff = Date.now() - config.server.job_worktree_retention_days * 86_400_000;
        // A remote caller's session handles (ses_…) last as long as the jobs whose sessions they name.
        const kept = new Set(jobs.filter((job) => job.session_id && !endedBefore(job, cutoff)).map((job) => job.session_id!));
        await sweepSessionHandles(store, cutoff, kept).catch(() => 0);
        return sweepJobWorktrees(jobs, cutoff);
      });
      sweeping = sweep.catch(() => {});
      return sweep;
    },

    async stop() {
      shuttingDown = true;
      for (const id of queue.waiting()) {
        const job = active.get(id);
        if (job && queue.drop(id)) await endPending(job, "interrupted");
      }
      for (const job of active.values()) job.controller.abort();
      await Promise.all([...active.values()].map((job) => job.done));
    },
  };
  return runtime;
}

function notFound(id: string): PatchbayError {
  return new PatchbayError("job_not_found", `no job ${JSON.stringify(id)}`, {
    next: "use the job id a job tool returned, or list jobs with `patchbay job list`",
  });
}
