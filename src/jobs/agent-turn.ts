/**
 * The one way to run an agent turn: a scratch directory of its own (its TMPDIR), the environment
 * from the one builder (agents/environment.ts), the agent through runAgent under the configured
 * wall-clock and idle timeouts, its events tallied, its output handed to the caller's log, and,
 * for a read-only turn of an agent without a read-only sandbox, the tree compared before and
 * after. The job runtime runs every job (a worker's turns too) through it; the pipeline runs the
 * turns it does not hand to the job runtime through it. What a turn means to its caller (a job
 * record, a run's log and events) stays with the caller.
 */
import { mkdir, rm } from "node:fs/promises";
import {
  type AgentAdapter,
  type AgentEvent,
  type AgentTurn,
  agentEnvironment,
  envPolicy,
  type RunOutcome,
  runAgent,
  withCredentialHint,
} from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { createEventTally, type EventTally } from "./events.ts";
import { treeFingerprint } from "../worktrees/index.ts";

export interface TurnRequest {
  adapter: AgentAdapter;
  executable: string;
  /** The prompt and turn options; cwd, scratchDir and repositorySettings are filled in here. */
  turn: Omit<AgentTurn, "cwd" | "scratchDir" | "repositorySettings">;
  /** Where the agent works: the repository or a worktree. */
  cwd: string;
  /** The turn's own directory (its TMPDIR): created here if missing, removed when the turn ends. */
  scratchDir: string;
  config: Config;
  redact: (text: string) => string;
  /** Variables set for this turn on top of what the adapter declares (patchbay's secrets are still dropped). */
  set?: Record<string, string>;
  /** The wall-clock limit; server.job_timeout_seconds when absent. */
  timeoutMs?: number;
  /** Compare the tree before and after a read-only turn when the agent has no read-only sandbox; off where the caller compares it itself. */
  checkReadOnly: boolean;
  signal?: AbortSignal;
  /** Each event, after the tally counted it. */
  onEvent?(event: AgentEvent): void;
  /** Raw output chunks, for the caller's log. */
  onOutput?(stream: "stdout" | "stderr", chunk: string): void;
  onSpawn?(pid: number): void;
}

export interface TurnOutcome extends RunOutcome {
  /** Changed files, commands and the last usage the events reported. */
  tally: EventTally;
  /** The result's error with the adapter's credential hint, redacted. */
  error?: string;
  /** A read-only turn that ended well changed the tree (only when checkReadOnly applied). */
  readOnlyViolated: boolean;
}

/** The wall-clock, idle and kill-grace limits of a turn from the configuration, in milliseconds. */
export function turnLimits(config: Config, timeoutMs?: number): { timeoutMs: number; idleTimeoutMs: number; killGraceMs: number } {
  return {
    timeoutMs: timeoutMs ?? config.server.job_timeout_seconds * 1000,
    idleTimeoutMs: (config.agents.idle_timeout_seconds ?? 300) * 1000,
    killGraceMs: (config.agents.kill_grace_seconds ?? 5) * 1000,
  };
}

/**
 * Runs one turn; throws only what stops it from starting (agent_not_found, a missing cwd) or a
 * failing read-only comparison. Timeouts and cancellation end it with `endedBy` set.
 *
 * @example
 * const outcome = await runAgentTurn({ adapter, executable, turn: { prompt, access: "read_only" }, cwd: repo, scratchDir, config, redact, checkReadOnly: true });
 */
export async function runAgentTurn(request: TurnRequest): Promise<TurnOutcome> {
  const { adapter, cwd, scratchDir, config } = request;
  const tally = createEventTally(cwd);
  const checkReadOnly = request.checkReadOnly && request.turn.access === "read_only" && !adapter.capabilities.readOnlySandbox;
  try {
    await mkdir(scratchDir, { recursive: true, mode: 0o700 });
    const before = checkReadOnly ? await treeFingerprint(cwd) : undefined;
    const outcome = await runAgent({
      adapter,
      executable: request.executable,
      turn: { ...request.turn, cwd, scratchDir, repositorySettings: config.agents.repository_settings },
      env: agentEnvironment(adapter, envPolicy(config), request.set),
      ...turnLimits(config, request.timeoutMs),
      ...(request.signal && { signal: request.signal }),
      onEvent: (event) => {
        tally.add(event);
        request.onEvent?.(event);
      },
      ...(request.onOutput && { onOutput: request.onOutput }),
      ...(request.onSpawn && { onSpawn: request.onSpawn }),
    });
    const { result, endedBy } = outcome;
    const succeeded = endedBy === "exit" && result.status === "succeeded";
    const readOnlyViolated = checkReadOnly && succeeded && (await treeFingerprint(cwd)) !== before;
    return {
      ...outcome,
      tally,
      ...(result.error && { error: request.redact(withCredentialHint(adapter, result.error, envPolicy(config))) }),
      readOnlyViolated,
    };
  } finally {
    await rm(scratchDir, { recursive: true, force: true }).catch(() => {});
  }
}
