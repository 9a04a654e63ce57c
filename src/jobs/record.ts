/**
 * The job record: one agent turn, durable in the state store (kind "job"). It never holds the
 * prompt body: only what the turn was (agent, model, repository, access), how it went, and what
 * it produced.
 */
import { randomBytes } from "node:crypto";
import type { AgentUsage } from "../agents/types.ts";
import type { UsageOwner } from "../usage/index.ts";

export const JOB_STATES = ["pending", "running", "succeeded", "failed", "cancelled", "timed_out", "interrupted"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled", "timed_out", "interrupted"];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** What the tool that made the job asked for: plan, apply, review, interactive, a reply or a resume. */
export const JOB_KINDS = ["plan", "apply", "review", "interactive", "reply", "resume", "run"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export type JobAccess = "read_only" | "write";

/** A short, capped line of what happened, in order: the progress a caller saw. */
export interface JobEventEntry {
  at: string;
  text: string;
}

export interface JobResult {
  final_message?: string;
  /** The final message parsed as JSON, when an output schema was used. */
  structured?: unknown;
  /** Relative to the job's working directory, from file_change events and `git status`. */
  changed_files: string[];
  commands: Array<{ command: string; exit_code?: number | null; status: string }>;
  /** This turn's usage (deltas, even when the agent reports session totals). */
  usage?: AgentUsage;
  cost_usd?: number;
  error?: string;
  error_code?: string;
}

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  agent: string;
  model?: string;
  reasoning_effort?: string;
  /** Real path of the repository the job was asked for. */
  repo: string;
  /** Where the agent ran: the repository, or the job's worktree. */
  cwd: string;
  access: JobAccess;
  worktree?: { path: string; branch: string; base_commit: string };
  session_id?: string;
  /** The job whose session this one continues. */
  parent_job_id?: string;
  title?: string;
  client_ref?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  pid?: number;
  /** The agent's start time (see processStartTime): recovery only stops a pid that is still that process. */
  pid_started?: string;
  /** The server instance that ran it: a record `running` under another instance was left by a dead server. */
  server_instance?: string;
  exit?: { code: number | null; signal: string | null; ended_by: string };
  result?: JobResult;
  /** The worker, run and phase the turn's usage is accounted to (src/usage). */
  usage_owner?: UsageOwner;
  /** Session totals reported so far (codex resumes report cumulative usage): the next turn subtracts them. */
  cumulative_usage?: AgentUsage;
  events: JobEventEntry[];
  events_truncated?: boolean;
  logs: { stdout: string; stderr: string; stdout_bytes: number; stderr_bytes: number; truncated: boolean };
}

/**
 * `job_<12 base36 chars of milliseconds><10 random hex>`: sorts by creation time, and is a safe
 * storage key.
 *
 * @example
 * newJobId(); // "job_00lzq1x5c8a1f3e9b27c4d"
 */
export function newJobId(now = Date.now()): string {
  return `job_${now.toString(36).padStart(12, "0")}${randomBytes(5).toString("hex")}`;
}

export const JOB_ID_PATTERN = /^job_[0-9a-z]{12}[0-9a-f]{10}$/;

/** Events kept per record; older ones are dropped first. */
export const MAX_RECORD_EVENTS = 200;

export function appendEvent(record: JobRecord, text: string): void {
  record.events.push({ at: new Date().toISOString(), text: text.length > 500 ? `${text.slice(0, 500)}…` : text });
  if (record.events.length > MAX_RECORD_EVENTS) {
    record.events.splice(0, record.events.length - MAX_RECORD_EVENTS);
    record.events_truncated = true;
  }
}
