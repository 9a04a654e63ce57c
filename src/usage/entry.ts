/**
 * One ledger entry: what one agent turn used and cost, and what it belonged to. Entries are
 * written once and never changed; `id` is the turn's own id (a job id), so a reader that sees the
 * same entry twice keeps one.
 */
import type { AgentUsage } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { costOf } from "./cost.ts";

/** What a turn belonged to, besides its job. */
export interface UsageOwner {
  worker?: string;
  /** The worker's id: a name may be used again once its worker is stopped, and usage must not pass to the new one. */
  worker_id?: string;
  run?: string;
  phase?: string;
  /** The repository to account the turn to when the turn ran elsewhere (a run's worktree). */
  repo?: string;
}

export interface UsageEntry {
  id: string;
  /** When the turn ended (ISO 8601, UTC); its day is the entry's day. */
  at: string;
  agent: string;
  model?: string;
  /** Every input token, cache reads and writes included (claude reports both apart; they are added here). */
  input_tokens: number;
  cached_input_tokens: number;
  /** Input tokens written to the prompt cache (only claude reports them); 0 in entries written before the field. */
  cache_write_tokens: number;
  output_tokens: number;
  /** Part of output_tokens. */
  reasoning_tokens: number;
  /** Absent: no price (the agent reported none and the model has none); never a guess. */
  cost_usd?: number;
  /** Where cost_usd came from. */
  cost_source: "agent" | "config" | "price_table" | "none";
  duration_ms: number;
  repo: string;
  job?: string;
  worker?: string;
  /** Absent in entries written before it was kept: those are matched by the worker's name and repository. */
  worker_id?: string;
  run?: string;
  phase?: string;
  /** False when the agent reported no usage for the turn (its tokens are then 0). */
  reported: boolean;
  /** The hard budget that stopped the turn while it ran. */
  stopped_by_budget?: string;
}

export interface TurnFacts {
  id: string;
  agent: string;
  model?: string;
  /** This turn's usage (a session total already turned into this turn's share). */
  usage?: AgentUsage;
  startedAt: number;
  endedAt: number;
  repo: string;
  job?: string;
  owner?: UsageOwner;
  stoppedByBudget?: string;
}

/** The entry for a turn that ended, priced by the agent's own figure, else config, else the table. */
export function entryFor(turn: TurnFacts, config: Config): UsageEntry {
  const usage = turn.usage;
  // claude reports cache reads and writes apart from input_tokens; the other CLIs count reads inside it and report no writes.
  const cached = usage?.cachedInputTokens ?? 0;
  const written = usage?.cacheWriteTokens ?? 0;
  const input = (usage?.inputTokens ?? 0) + (turn.agent === "claude" ? cached : 0) + written;
  const tokens = {
    input_tokens: input,
    cached_input_tokens: cached,
    cache_write_tokens: written,
    output_tokens: usage?.outputTokens ?? 0,
    reasoning_tokens: usage?.reasoningTokens ?? 0,
  };
  const cost =
    usage?.costUsd !== undefined
      ? { cost_usd: usage.costUsd, cost_source: "agent" as const }
      : usage
        ? costOf(turn.model, { ...tokens, cache_write_1h_tokens: usage.cacheWrite1hTokens ?? 0 }, config)
        : { cost_source: "none" as const };
  const owner = turn.owner ?? {};
  return {
    id: turn.id,
    at: new Date(turn.endedAt).toISOString(),
    agent: turn.agent,
    ...(turn.model && { model: turn.model }),
    ...tokens,
    ...cost,
    duration_ms: Math.max(0, Math.round(turn.endedAt - turn.startedAt)),
    repo: owner.repo ?? turn.repo,
    ...(turn.job && { job: turn.job }),
    ...(owner.worker && { worker: owner.worker }),
    ...(owner.worker_id && { worker_id: owner.worker_id }),
    ...(owner.run && { run: owner.run }),
    ...(owner.phase && { phase: owner.phase }),
    reported: usage !== undefined,
    ...(turn.stoppedByBudget && { stopped_by_budget: turn.stoppedByBudget }),
  };
}

/** Tokens a budget counts: input (cached included) plus output. */
export function tokensOf(entry: Pick<UsageEntry, "input_tokens" | "output_tokens">): number {
  return entry.input_tokens + entry.output_tokens;
}

/** The UTC day of an entry or a moment, YYYY-MM-DD: ledger files and daily budgets go by it. */
export function dayOf(at: string | number | Date): string {
  return new Date(at).toISOString().slice(0, 10);
}
