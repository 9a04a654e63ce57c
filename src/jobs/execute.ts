/**
 * Runs one job's turn through runAgentTurn (agent-turn.ts) and keeps its record: the pid, the
 * session, progress lines, logs, usage across a session, the worktree's changes and the final
 * state. Never throws: every failure ends as a record in a terminal state.
 */
import { join } from "node:path";
import type { AgentAdapter, AgentEvent, AgentTurn, AgentUsage } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { asPatchbayError } from "../errors/index.ts";
import { processStartTime, type RecordStore } from "../state/index.ts";
import { openTurnAccount, usageLedger } from "../usage/index.ts";
import { changedFiles } from "../worktrees/index.ts";
import { runAgentTurn } from "./agent-turn.ts";
import { describeEvent, usageDelta, usageSum } from "./events.ts";
import { openJobLogs } from "./logs.ts";
import { appendEvent, type JobRecord, type JobState } from "./record.ts";

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
  /** Where the usage ledger the turn is accounted in lives. */
  store: RecordStore;
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

export async function executeJob(record: JobRecord, input: TurnInput, ctx: ExecuteContext): Promise<void> {
  const scratchDir = join(ctx.home, "tmp", "jobs", record.id);
  const logs = openJobLogs(ctx.logsDir, record.id, {
    redact: ctx.redact,
    raw: ctx.config.logging.write_raw_job_logs,
    ...(input.adapter.quietLine && { quietLine: input.adapter.quietLine }),
  });
  let finalState: JobState = "failed";
  try {
    const startedAt = Date.now();
    const owner = record.usage_owner;
    const account = await openTurnAccount({
      ledger: usageLedger(ctx.home, ctx.store),
      config: ctx.config,
      id: record.id,
      agent: record.agent,
      ...(record.model && { model: record.model }),
      repo: record.repo,
      job: record.id,
      ...(owner && { owner }),
      startedAt,
    });
    for (const warning of account.warnings) {
      appendEvent(record, warning);
      ctx.emit(warning);
    }
    const onEvent = (event: AgentEvent) => {
      // A hard budget the turn's own use goes past stops it like a cancel, keeping what it did.
      if (event.type === "usage") account.observe(event.cumulative ? usageDelta(event.usage, input.previousUsage) : event.usage);
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
    const outcome = await runAgentTurn({
      adapter: input.adapter,
      executable: input.executable,
      turn: input.turn,
      cwd: record.cwd,
      scratchDir,
      config: ctx.config,
      redact: ctx.redact,
      // A job's TMP and TEMP are its scratch directory too (TMPDIR always is).
      set: { TMPDIR: scratchDir, TMP: scratchDir, TEMP: scratchDir },
      checkReadOnly: true,
      signal: AbortSignal.any([ctx.signal, account.stop]),
      onEvent,
      onOutput: (stream, chunk) => logs.write(stream, chunk),
      onSpawn: (pid) => {
        record.pid = pid;
        record.pid_started = processStartTime(pid);
        void ctx.save();
      },
    });
    const { result, exit, endedBy, tally } = outcome;
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
    const entry = await account.close(usage).catch((error: Error) => {
      appendEvent(record, ctx.redact(`warning: the turn's usage was not recorded: ${error.message}`));
    });
    const fromGit = record.worktree ? (await changedFiles(record.cwd, record.worktree.base_commit).catch(() => [])).map((file) => file.path) : [];
    record.result = {
      ...(result.finalMessage !== undefined && { final_message: ctx.redact(result.finalMessage) }),
      ...(result.structured !== undefined && { structured: result.structured }),
      changed_files: [...new Set([...tally.files(), ...fromGit])].sort(),
      commands: tally.commands(),
      ...(usage && { usage }),
      ...(entry?.cost_usd !== undefined && { cost_usd: entry.cost_usd }),
      ...(outcome.error && { error: outcome.error }),
    };

    if (endedBy === "timeout" || endedBy === "idle_timeout") {
      finalState = "timed_out";
      record.result.error_code = endedBy;
      record.result.error =
        endedBy === "timeout"
          ? `stopped after ${ctx.config.server.job_timeout_seconds} s (server.job_timeout_seconds)`
          : `stopped after ${ctx.config.agents.idle_timeout_seconds} s without output (agents.idle_timeout_seconds)`;
    } else if (endedBy === "cancelled" && account.stopReason()) {
      finalState = "cancelled";
      record.result.error_code = "budget_exceeded";
      record.result.error = account.stopReason();
    } else if (endedBy === "cancelled") {
      finalState = ctx.shuttingDown() ? "interrupted" : "cancelled";
      record.result.error = ctx.shuttingDown() ? "the server stopped before the job finished" : "cancelled";
      record.result.error_code = finalState;
    } else {
      finalState = result.status === "succeeded" ? "succeeded" : "failed";
    }
    if (outcome.readOnlyViolated) {
      finalState = "failed";
      record.result.error_code = "read_only_violation";
      record.result.error =
        `the ${input.adapter.name} agent changed files in a read-only job ` +
        "(it has no read-only sandbox, so patchbay compared the tree before and after); review the changes with codex_git_status";
    }
  } catch (error) {
    const failure = asPatchbayError(error);
    record.result = { ...(record.result ?? { changed_files: [], commands: [] }), error: ctx.redact(failure.message), error_code: failure.code };
    if (failure.next) record.result.error = `${record.result.error} (${ctx.redact(failure.next)})`;
    finalState = "failed";
  } finally {
    const sizes = logs.close();
    record.logs = { ...record.logs, ...sizes };
  }
  record.state = finalState;
  record.finished_at = new Date().toISOString();
  appendEvent(record, `job ${finalState}${record.result?.error ? `: ${record.result.error}` : ""}`);
  ctx.emit(`job ${finalState}`);
  await ctx.save();
}
