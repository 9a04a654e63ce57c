/**
 * What the job tools (and `patchbay job` over the control port) return about a job: one schema, one
 * text line. The record itself holds no prompt, so nothing here can leak one.
 */
import * as v from "valibot";
import type { JobRecord } from "./record.ts";

const usageSchema = v.object({
  inputTokens: v.number(),
  outputTokens: v.number(),
  cachedInputTokens: v.optional(v.number()),
  cacheWriteTokens: v.optional(v.number()),
  cacheWrite1hTokens: v.optional(v.number()),
  reasoningTokens: v.optional(v.number()),
  costUsd: v.optional(v.number()),
});

export const jobViewSchema = v.object({
  job_id: v.string(),
  kind: v.string(),
  state: v.picklist(["pending", "running", "succeeded", "failed", "cancelled", "timed_out", "interrupted"]),
  done: v.boolean(),
  agent: v.string(),
  model: v.optional(v.string()),
  reasoning_effort: v.optional(v.string()),
  repo: v.string(),
  cwd: v.string(),
  access: v.picklist(["read_only", "write"]),
  worktree: v.optional(v.object({ path: v.string(), branch: v.string(), base_commit: v.string() })),
  session_id: v.optional(v.string()),
  parent_job_id: v.optional(v.string()),
  title: v.optional(v.string()),
  created_at: v.string(),
  started_at: v.optional(v.string()),
  finished_at: v.optional(v.string()),
  pid: v.optional(v.number()),
  exit: v.optional(v.object({ code: v.nullable(v.number()), signal: v.nullable(v.string()), ended_by: v.string() })),
  result: v.optional(
    v.object({
      final_message: v.optional(v.string()),
      structured: v.optional(v.unknown()),
      changed_files: v.array(v.string()),
      commands: v.array(v.object({ command: v.string(), exit_code: v.optional(v.nullable(v.number())), status: v.string() })),
      usage: v.optional(usageSchema),
      cost_usd: v.optional(v.number()),
      error: v.optional(v.string()),
      error_code: v.optional(v.string()),
    }),
  ),
  /** The last progress lines. */
  events: v.array(v.object({ at: v.string(), text: v.string() })),
  logs: v.object({ stdout: v.string(), stderr: v.string(), stdout_bytes: v.number(), stderr_bytes: v.number(), truncated: v.boolean() }),
});
export type JobView = v.InferOutput<typeof jobViewSchema>;

/** Progress lines kept in a view; the record keeps more. */
const VIEW_EVENTS = 30;

export function jobView(record: JobRecord, options: { events?: number } = {}): JobView {
  const { id, events, cumulative_usage: _cumulative, server_instance: _instance, client_ref: _client, events_truncated: _cut, ...rest } = record;
  const done = !["pending", "running"].includes(record.state);
  return { job_id: id, ...rest, done, events: events.slice(-(options.events ?? VIEW_EVENTS)) };
}

/** What a job's state says in a sentence: "Job … is running", "Job … succeeded". */
const STATE_WORDS: Record<JobRecord["state"], string> = {
  pending: "is pending",
  running: "is running",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "was cancelled",
  timed_out: "timed out",
  interrupted: "was interrupted",
};

/**
 * State, agent and the outcome when there is one: every changed file and the whole final message
 * (a plan is the job's answer), since some hosts' models read only the text (docs/hosts.md).
 */
export function jobLine(record: JobRecord): string {
  const where = record.worktree ? ` in worktree ${record.worktree.path} (branch ${record.worktree.branch})` : "";
  const head = `Job ${record.id} (${record.kind}, ${record.agent}${record.model ? ` ${record.model}` : ""}) ${STATE_WORDS[record.state]}${where}.`;
  const session = record.session_id ? ` Session ${record.session_id}.` : "";
  const result = record.result;
  if (!result) return `${head}${session}`;
  const files = result.changed_files.length ? ` Changed: ${result.changed_files.join(", ")}.` : "";
  const error = result.error && record.state !== "succeeded" ? ` Error: ${result.error}` : "";
  const message = result.final_message ? `\n\n${result.final_message}` : "";
  return `${head}${session}${files}${error}${message}`;
}
