/**
 * What the job runtime offers (runtime.ts builds it): what a caller asks for, the progress lines
 * it hears, the runtime's methods and what it is created with. The runtime is what tools reach as
 * `context.app.jobs`, declared here by declaration merging so src/mcp never imports jobs.
 */
import type { AgentAdapter } from "../agents/types.ts";
import type { Config } from "../config/index.ts";
import type { RecordStore } from "../state/index.ts";
import type { UsageOwner } from "../usage/index.ts";
import type { LogStream } from "./logs.ts";
import type { JobAccess, JobKind, JobRecord } from "./record.ts";

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
  /**
   * Jobs newest first; with `limit`, only the newest that many are read (job ids sort by creation
   * time); with `where` too, the newest `limit` that pass it, read a batch at a time from the newest.
   */
  list(options?: { limit?: number; where?: (job: JobRecord) => boolean }): Promise<JobRecord[]>;
  /** The jobs that ran in these agent sessions, newest first: only they are read (the job index names them), in one lookup. */
  ofSessions(sessionIds: ReadonlySet<string>): Promise<JobRecord[]>;
  cancel(id: string): Promise<JobRecord>;
  /** Waits up to `timeoutMs` for the job to end, passing on its progress lines; returns the record then. */
  wait(id: string, timeoutMs: number, options?: { onProgress?: (progress: JobProgress) => void; signal?: AbortSignal }): Promise<JobRecord>;
  logFile(id: string, stream: LogStream): string;
  running(): number;
  /** Marks jobs a dead server left running or pending as interrupted, then sweeps old worktrees; call once at start-up. */
  recover(): Promise<void>;
  /**
   * Removes the worktrees of isolated jobs that ended more than server.job_worktree_retention_days
   * ago (returns them), and the session handles whose jobs ended as long ago. Run at start-up and
   * at a job's end, there at most once an hour unless the retention is 0 days; one waits for
   * another still running.
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

// Tool handlers reach the server's job runtime as `context.app.jobs`; declared here so src/mcp never imports jobs.
declare module "../mcp/services.ts" {
  interface AppServices {
    /** Agent jobs: the server's runtime (queue, processes, records). */
    readonly jobs: JobRuntime;
  }
}
