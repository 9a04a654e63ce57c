/**
 * Runs one job's turn: scratch directory, filtered environment, the agent through runAgent,
 * logs, the read-only fingerprint, and the final record. Never throws: every failure ends as a
 * record in a terminal state.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AgentAdapter, AgentEvent, AgentTurn, AgentUsage } from "../agents/index.ts";
import { agentEnvironment, envPolicy, runAgent, withCredentialHint } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { asPatchbayError } from "../errors/index.ts";
import { processStartTime } from "../state/index.ts";
import { createEventTally, describeEvent, usageDelta, usageSum } from "./events.ts";
import { openJobLogs } from "./logs.ts";
import { appendEvent, type JobRecord, type JobState } from "./record.ts";
import { changedFiles, treeFingerprint } from "./worktree.ts";

export interface TurnInput {
  adapter: AgentAdapter;
  executable: string;
  /** The prompt and turn options; cwd and scratchDir are filled in here. */
  turn: Omit<AgentTurn, "cwd" | "scratchDir">;
  /** Session totals of the turn before (codex reports cumulative usage after a resume). */
  previousUsage?: AgentUsage;
}

export interface ExecuteContext {
  home: string;
  config: Config;
  logsDir: string;
  redact: (text: string) => string;
  signal: AbortSignal;
  /** True once the abort came from a server shutdown rather than a cancel. */
  shuttingDown: () => boolean;
  /** Saves the record (writes are serialized by the caller). */
  save: () => Promise<void>;
  /** A line for anyone watching the job. */
  emit: (line: string) => void;
}

/** What the adapter's CLI needs of the server's environment (environment.ts), with the job's own TMPDIR. */
export function jobEnvironment(adapter: AgentAdapter, config: Config, scratchDir: string): Record<string, string> {
  return agentEnvironment(adapter, envPolicy(config), { TMPDIR: scratchDir, TMP: scratchDir, TEMP: scratchDir });
}

function seconds(value: number | undefined, fallback: number): number {
  return (value ?? fallback) * 1000;
}

export async function executeJob(record: JobRecord, input: TurnInput, ctx: ExecuteContext): Promise<void> {
  const scratchDir = join(ctx.home, "tmp", "jobs", record.id);
  const logs = openJobLogs(ctx.logsDir, record.id, { redact: ctx.redact, raw: ctx.config.logging.write_raw_job_logs });
  const tally = createEventTally(record.cwd);
  const checkReadOnly = record.access === "read_only" && !input.adapter.capabilities.readOnlySandbox;
  let finalState: JobState = "failed";
  try {
    await mkdir(scratchDir, { recursive: true, mode: 0o700 });
    const before = checkReadOnly ? await treeFingerprint(record.cwd) : undefined;
    const onEvent = (event: AgentEvent) => {
      tally.add(event);
      if (event.type === "session" && record.session_id !== event.sessionId) {
        record.session_id = event.sessionId;
        void ctx.save();
      }
      const line = describeEvent(event, record.cwd);
      if (!line) return;
      const safe = ctx.redact(line);
      appendEvent(record, safe);
      ctx.emit(safe);
    };
    const outcome = await runAgent({
      adapter: input.adapter,
      executable: input.executable,
      turn: { ...input.turn, cwd: record.cwd, scratchDir, repositorySettings: ctx.config.agents.repository_settings },
      env: jobEnvironment(input.adapter, ctx.config, scratchDir),
      timeoutMs: ctx.config.server.job_timeout_seconds * 1000,
      idleTimeoutMs: seconds(ctx.config.agents.idle_timeout_seconds, 300),
      killGraceMs: seconds(ctx.config.agents.kill_grace_seconds, 5),
      signal: ctx.signal,
      onEvent,
      onOutput: (stream, chunk) => logs.write(stream, chunk),
      onSpawn: (pid) => {
        record.pid = pid;
        record.pid_started = processStartTime(pid);
        void ctx.save();
      },
    });
    const { result, exit, endedBy } = outcome;
    record.exit = { code: exit.code, signal: exit.signal, ended_by: endedBy };
    if (result.sessionId) record.session_id = result.sessionId;

    const reported = tally.usage();
    let usage = result.usage;
    if (reported?.cumulative) {
      usage = usageDelta(reported.usage, input.previousUsage);
      record.cumulative_usage = reported.usage;
    } else {
      usage ??= reported?.usage;
      if (usage) record.cumulative_usage = usageSum(input.previousUsage, usage);
    }
    const fromGit = record.worktree ? await changedFiles(record.cwd, record.worktree.base_commit).catch(() => []) : [];
    record.result = {
      ...(result.finalMessage !== undefined && { final_message: ctx.redact(result.finalMessage) }),
      ...(result.structured !== undefined && { structured: result.structured }),
      changed_files: [...new Set([...tally.files(), ...fromGit])].sort(),
      commands: tally.commands(),
      ...(usage && { usage }),
      ...(usage?.costUsd !== undefined && { cost_usd: usage.costUsd }),
      ...(result.error && { error: ctx.redact(withCredentialHint(input.adapter, result.error, envPolicy(ctx.config))) }),
    };

    if (endedBy === "timeout" || endedBy === "idle_timeout") {
      finalState = "timed_out";
      record.result.error_code = endedBy;
      record.result.error = endedBy === "timeout"
        ? `stopped after ${ctx.config.server.job_timeout_seconds} s (server.job_timeout_seconds)`
        : `stopped after ${ctx.config.agents.idle_timeout_seconds} s without output (agents.idle_timeout_seconds)`;
    } else if (endedBy === "cancelled") {
      finalState = ctx.shuttingDown() ? "interrupted" : "cancelled";
      record.result.error = ctx.shuttingDown() ? "the server stopped before the job finished" : "cancelled";
      record.result.error_code = finalState;
    } else {
      finalState = result.status === "succeeded" ? "succeeded" : "failed";
    }
    if (checkReadOnly && finalState === "succeeded") {
      const after = await treeFingerprint(record.cwd);
      if (before !== after) {
        finalState = "failed";
        record.result.error_code = "read_only_violation";
        record.result.error = `the ${input.adapter.name} agent changed files in a read-only job (it has no read-only sandbox, so patchbay compared the tree before and after); review the changes with codex_git_status`;
      }
    }
  } catch (error) {
    const failure = asPatchbayError(error);
    record.result = { ...(record.result ?? { changed_files: tally.files(), commands: tally.commands() }), error: ctx.redact(failure.message), error_code: failure.code };
    if (failure.next) record.result.error = `${record.result.error} (${ctx.redact(failure.next)})`;
    finalState = "failed";
  } finally {
    const sizes = logs.close();
    record.logs = { ...record.logs, ...sizes };
    await rm(scratchDir, { recursive: true, force: true }).catch(() => {});
  }
  record.state = finalState;
  record.finished_at = new Date().toISOString();
  appendEvent(record, `job ${finalState}${record.result?.error ? `: ${record.result.error}` : ""}`);
  ctx.emit(`job ${finalState}`);
  await ctx.save();
}
