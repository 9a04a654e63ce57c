/**
 * A worker's turns: each is a job through the server's job runtime. The first runs in the
 * worker's own worktree (isolated_write) or the base checkout; later ones continue the same agent
 * session. shared_write turns hold the repository lock until they end, so nothing else mutates
 * the checkout meanwhile (and they get repo_busy rather than a queue).
 */
import { PatchbayError } from "../errors/index.ts";
import { isTerminal, type JobRecord } from "../jobs/index.ts";
import { log } from "../log/index.ts";
import type { AppServices } from "../mcp/services.ts";
import { withRepoLock } from "../workspace/index.ts";
import { latestJobId, MAX_REPORT_CHARS, MAX_TURNS_KEPT, updateWorker, workerState, type WorkerRecord, type WorkerState } from "./record.ts";

/** The parts of the application a turn uses: the job runtime, the records, the home its lock lives in. */
type TurnServices = Pick<AppServices, "home" | "store" | "jobs">;

export interface TurnOptions {
  prompt: string;
  kind: "start" | "message";
  model?: string;
  reasoningEffort?: string;
  /** The tool and the session (client_ref) that asked for the turn: recorded on the job, the turn and a held lock. */
  tool: string;
  by: string;
}

/** The worker's latest turn, which the next one continues; undefined before the first. */
async function previousJob(app: Pick<AppServices, "jobs">, worker: WorkerRecord): Promise<JobRecord | undefined> {
  const id = latestJobId(worker);
  return id ? await app.jobs.get(id).catch(() => undefined) : undefined;
}

/** Submits a shared_write turn under the repository lock, held (in the background) until the turn ends. */
function submitLocked(app: TurnServices, repo: string, holder: { client_ref: string; tool: string }, submit: () => Promise<JobRecord>): Promise<JobRecord> {
  return new Promise((resolve, reject) => {
    let submitted = false;
    withRepoLock(app.home, repo, holder, async () => {
      const job = await submit();
      submitted = true;
      resolve(job);
      for (let current = job; !isTerminal(current.state); ) current = await app.jobs.wait(job.id, 60_000);
    }).catch((error: Error) => {
      if (!submitted) reject(error);
      else log.warn(`shared_write worker turn on ${repo}: ${error.message}`);
    });
  });
}

/** Starts one turn of `worker` and records it; the worker record must already exist. */
export async function runTurn(app: TurnServices, worker: WorkerRecord, options: TurnOptions): Promise<{ worker: WorkerRecord; job: JobRecord }> {
  const previous = await previousJob(app, worker);
  const resume = options.kind === "message";
  const submit = () =>
    app.jobs.submit({
      kind: resume ? "resume" : "interactive",
      agent: worker.agent,
      prompt: options.prompt,
      repo: worker.repo,
      access: worker.workspace_mode === "read_only" ? "read_only" : "write",
      ...(worker.worktree && { worktree: worker.worktree }),
      ...(previous && { continueFrom: previous }),
      ...(resume && worker.session_id && { resumeSessionId: worker.session_id }),
      model: options.model ?? worker.model,
      reasoningEffort: options.reasoningEffort ?? worker.reasoning_effort,
      title: `worker ${worker.name}`,
      clientRef: options.by,
      usageOwner: { worker: worker.name, worker_id: worker.id },
    });
  const holder = { client_ref: options.by, tool: options.tool };
  const job = worker.workspace_mode === "shared_write" ? await submitLocked(app, worker.repo, holder, submit) : await submit();
  const saved = await updateWorker(app.store, worker.id, (record) => {
    record.turns.push({ job_id: job.id, kind: options.kind, at: job.created_at, by: options.by });
    if (record.turns.length > MAX_TURNS_KEPT) record.turns.splice(0, record.turns.length - MAX_TURNS_KEPT);
    record.last_state = job.state;
    delete record.stopped_at;
  });
  return { worker: saved, job };
}

/**
 * The worker with its latest turn's outcome folded in (report, session, changed files), saved once
 * the turn has ended; and its state now.
 */
export async function refreshWorker(
  app: Pick<AppServices, "store" | "jobs">,
  worker: WorkerRecord,
): Promise<{ worker: WorkerRecord; job?: JobRecord; state: WorkerState }> {
  const job = await previousJob(app, worker);
  if (!job) return { worker, state: workerState(worker) };
  const sessionChanged = job.session_id !== undefined && job.session_id !== worker.session_id;
  const ended = isTerminal(job.state) && worker.last_state !== job.state;
  if (!sessionChanged && !ended) return { worker, job, state: workerState(worker, job) };
  const saved = await updateWorker(app.store, worker.id, (record) => {
    if (job.session_id) record.session_id = job.session_id;
    record.last_state = job.state;
    if (!isTerminal(job.state)) return;
    const result = job.result;
    const report = result?.final_message ?? (result?.error ? `The turn ended ${job.state}: ${result.error}` : undefined);
    if (report) record.report = report.slice(0, MAX_REPORT_CHARS);
    if (result) record.changed_files = result.changed_files.filter((file) => !file.startsWith(".ai-bridge/imported-artifacts"));
  });
  return { worker: saved, job, state: workerState(saved, job) };
}

/** Refuses a message the worker cannot take now: no hidden queue, no session to continue, no workspace. */
export function assertCanContinue(worker: WorkerRecord, state: WorkerState, resumable: boolean): void {
  if (state === "running" || state === "starting") {
    throw new PatchbayError("worker_busy", `worker ${worker.name} is still running a turn; patchbay does not queue messages`, {
      next: "wait for it (codex_worker_inspect view=status wait_seconds=30), or stop it with codex_worker_stop",
    });
  }
  if (worker.workspace_removed)
    throw new PatchbayError("workspace_missing", `worker ${worker.name}'s worktree was removed when it was stopped`, { next: "start a new worker" });
  if (!resumable)
    throw new PatchbayError(
      "unsupported_by_agent",
      `the ${worker.agent} agent cannot continue a session, so worker ${worker.name} takes its first brief only`,
      {
        next: "start a new worker for the next instruction, or one with an agent that can resume (codex, claude, gemini, mock)",
      },
    );
  if (!worker.session_id) {
    throw new PatchbayError("no_session", `worker ${worker.name} has no agent session to continue (its first turn ended before the agent reported one)`, {
      next: "start a new worker with the brief",
    });
  }
}
