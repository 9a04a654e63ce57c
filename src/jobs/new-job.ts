/**
 * A new job as the runtime first saves it: its pending record (never the prompt) and the agent
 * turn it will run, both from what the caller asked for.
 */
import type { AgentAdapter, AgentTurn } from "../agents/types.ts";
import { jobLogFile } from "./logs.ts";
import type { JobRecord } from "./record.ts";
import type { JobSpec } from "./runtime-interface.ts";

/** Where the job runs and what it is called, beyond the spec: decided by the runtime. */
export interface NewJobPlace {
  id: string;
  adapter: AgentAdapter;
  worktree: JobRecord["worktree"];
  logsDir: string;
  /** The server instance that runs it, so recovery tells its own jobs from a dead server's. */
  instance: string;
}

/** The pending record of a new job. */
export function pendingRecord(spec: JobSpec, place: NewJobPlace): JobRecord {
  const { id, adapter, worktree, logsDir, instance } = place;
  return {
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
}

/** The turn the job's agent runs; cwd and its scratch directory are added when it starts. */
export function turnOf(spec: JobSpec): Omit<AgentTurn, "cwd" | "scratchDir"> {
  return {
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
}
