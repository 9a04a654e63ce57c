/**
 * The job runtime of the server: submits jobs, runs them under the concurrency limit, cancels
 * them, lets callers wait on them with live progress, and recovers what a dead server left.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { AgentAdapter, AgentTurn } from "../agents/types.ts";
import { agentExecutable, resolveAdapter } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { sweepSessionHandles } from "../mcp/local-details.ts";
import type { RecordStore } from "../state/index.ts";
import { refuseOverBudget, turnScope, usageLedger, type UsageOwner } from "../usage/index.ts";
import { executeJob } from "./execute.ts";
import { jobLogFile, jobLogsDir, type LogStream } from "./logs.ts";
import { createJobQueue } from "./queue.ts";
import { appendEvent, JOB_ID_PATTERN, newJobId, type JobAccess, type JobKind, type JobRecord } from "./record.ts";
import { recoverJobs } from "./recovery.ts";
import { assertExecutable } from "./executable.ts";
import { createJobWorktree, endedBefore, sweepJobWorktrees } from "./job-worktree.ts";

/** What a tool asks for; the prompt goes to the agent and nowhere else. */
export interface JobSpec {
  kind: JobKind;
  agent: string;
  prompt: string;
  /** Real path of the repository (already through the workspace guard). */
  repo: string;
  access: JobAccess;
  /** Run in a new worktree on its own branch (apply jobs). */
  isolate?: boolean;
  /** Continue in an earlier job's place (its worktree, or the repository). */
  continueFrom?: JobRecord;
  /** Run in this existing worktree (a worker's own) rather than the repository. */
  worktree?: JobRecord["worktree"];
  model?: string;
  reasoningEffort?: string;
  resumeSessionId?: string;
  addDirs?: string[];
  outputSchema?: Record<string, unknown>;
  configOverrides?: string[];
  dangerouslyBypass?: boolean;
  title?: string;
  clientRef?: string;
  /** The worker, run and phase the turn's usage is accounted to. */
  usageOwner?: UsageOwner;
}

/** A line about a job for someone watching it; `done` on the last one. */
export interface JobProgress {
  id: string;
  seq: number;
  text: string;
  state: JobRecord["state"];
}

export interface JobRuntime {
  /** The adapter of an agent (agent_not_found for an unknown name). */
  adapter(name: string): AgentAdapter;
  submit(spec: JobSpec): Promise<JobRecord>;
  /** The record, or job_not_found. */
  get(id: string): Promise<JobRecord>;
  /** Jobs newest first; with `limit`, only the newest that many are read (job ids sort by creation time). */
  list(options?: { limit?: number }): Promise<JobRecord[]>;
  cancel(id: string): Promise<JobRecord>;
  /** Waits up to `timeoutMs` for the job to end, passing on its progress lines; returns the record then. */
  wait(id: string, timeoutMs: number, options?: { onProgress?: (progress: JobProgress) => void; signal?: AbortSignal }): Promise<JobRecord>;
  logFile(id: string, stream: LogStream): string;
  running(): number;
  /** Marks jobs a dead server left running or pending as interrupted, then sweeps old worktrees; call once at start-up. */
  recover(): Promise<void>;
  /**
   * Removes the worktrees of isolated jobs that ended more than server.job_worktree_retention_days
   * ago (returns them), and the session handles whose jobs ended as long ago.
   */
  sweepWorktrees(): Promise<string[]>;
  /** Stops every running job (they become interrupted) and waits for them to end. */
  stop(): Promise<void>;
}

export interface JobRuntimeOptions {
  home: string;
  config: Config;
  store: RecordStore;
  redact: (text: string) => string;
  /** Every job's progress lines, for the server's activity log (MCP logging). */
  onProgress?: (progress: JobProgress, record: JobRecord) => void;
}

interface ActiveJob {
  record: JobRecord;
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

  function save(job: ActiveJob): Promise<void> {
    const snapshot = structuredClone(job.record);
    job.saving = job.saving
      .then(() => store.put("job", snapshot.id, snapshot))
      .then(
        () => {},
        () => {},
      );
    return job.saving;
  }

  function emit(job: ActiveJob, text: string): void {
    const progress = { id: job.record.id, seq: ++job.seq, text, state: job.record.state };
    for (const listener of job.listeners) listener(progress);
    options.onProgress?.(progress, job.record);
  }

  async function read(id: string): Promise<JobRecord> {
    if (!JOB_ID_PATTERN.test(id)) throw notFound(id);
    const live = active.get(id);
    if (live) return structuredClone(live.record);
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
    void runtime.sweepWorktrees().catch(() => {}); // a job's end is when a retention period can run out
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
      const record: JobRecord = {
        id,
        kind: spec.kind,
        state: "pending",
        agent: adapter.name,
        ...(spec.model && { model: spec.model }),
        ...(spec.reasoningEffort && { reasoning_effort: spec.reasoningEffort }),
        repo: spec.repo,
        cwd: worktree?.path ?? spec.continueFrom?.cwd ?? spec.repo,
        access: spec.access,
        ...(worktree && { worktree }),
        ...(spec.resumeSessionId && { session_id: spec.resumeSessionId }),
        ...(spec.continueFrom && { parent_job_id: spec.continueFrom.id }),
        ...(spec.title && { title: spec.title }),
        ...(spec.clientRef && { client_ref: spec.clientRef }),
        ...(spec.usageOwner && { usage_owner: spec.usageOwner }),
        created_at: new Date().toISOString(),
        server_instance: instance,
        events: [],
        logs: { stdout: jobLogFile(logsDir, id, "stdout"), stderr: jobLogFile(logsDir, id, "stderr"), stdout_bytes: 0, stderr_bytes: 0, truncated: false },
      };
      appendEvent(record, `job pending (${spec.kind}, ${adapter.name})`);
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      const job: ActiveJob = { record, controller: new AbortController(), listeners: new Set(), seq: 0, saving: Promise.resolve(), done, finished };
      active.set(id, job);
      await save(job);
      const turn: Omit<AgentTurn, "cwd" | "scratchDir"> = {
        prompt: spec.prompt,
        access: spec.access,
        model: spec.model,
        reasoningEffort: spec.reasoningEffort,
        resumeSessionId: spec.resumeSessionId,
        addDirs: spec.addDirs,
        outputSchema: spec.outputSchema,
        configOverrides: spec.configOverrides,
        dangerouslyBypass: spec.dangerouslyBypass,
      };
      queue.enqueue(id, () => start(job, { adapter, executable, turn, previousUsage: spec.continueFrom?.cumulative_usage }));
      return structuredClone(record);
    },

    get: read,

    async list(options = {}) {
      const ids = (await store.ids("job")).reverse().slice(0, options.limit);
      const stored = await store.getMany<JobRecord>("job", ids);
      return stored.flatMap((entry) => (entry ? [structuredClone(active.get(entry.id)?.record ?? entry.data)] : []));
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
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await Promise.race([
          job.done,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
          new Promise<void>((resolve) => {
            onAbort = () => resolve();
            if (waitOptions.signal?.aborted) resolve();
            waitOptions.signal?.addEventListener("abort", onAbort, { once: true });
          }),
        ]);
      } finally {
        clearTimeout(timer);
        if (onAbort) waitOptions.signal?.removeEventListener("abort", onAbort);
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

    async sweepWorktrees() {
      const jobs = await runtime.list();
      const cutoff = Date.now() - config.server.job_worktree_retention_days * 86_400_000;
      // A remote caller's session handles (ses_…) last as long as the jobs whose sessions they name.
      const kept = new Set(jobs.filter((job) => job.session_id && !endedBefore(job, cutoff)).map((job) => job.session_id!));
      await sweepSessionHandles(store, cutoff, kept).catch(() => 0);
      return sweepJobWorktrees(jobs, cutoff);
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

// Tool handlers reach the server's job runtime as `context.app.jobs`; declared here so src/mcp never imports jobs.
declare module "../mcp/services.ts" {
  interface AppServices {
    /** Agent jobs: the server's runtime (queue, processes, records). */
    readonly jobs: JobRuntime;
  }
}
