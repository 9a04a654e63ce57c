/**
 * Roll-up rows: the totals of the entries of one day that share their agent, model, repository,
 * worker and run. Every roll-up except one by job needs only these, and a day of any number of
 * turns has few of them, so the fs ledger keeps them summed beside each day file.
 */
import { dayOf, tokensOf, type UsageEntry } from "./entry.ts";

export interface UsageTotals {
  turns: number;
  input_tokens: number;
  cached_input_tokens: number;
  /** Part of input_tokens. */
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** input plus output: what token budgets count. */
  tokens: number;
  /** The sum over priced turns, rounded to a nano-dollar. */
  cost_usd: number;
  /** Turns with tokens but no price: their cost is not in cost_usd. */
  unpriced_turns: number;
}

export interface UsageRow {
  day: string;
  agent: string;
  model?: string;
  repo: string;
  worker?: string;
  worker_id?: string;
  run?: string;
  /** Set only on a row of one entry (a roll-up by job reads entries). */
  job?: string;
  totals: UsageTotals;
}

export function emptyTotals(): UsageTotals {
  return {
    turns: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    tokens: 0,
    cost_usd: 0,
    unpriced_turns: 0,
  };
}

export function addTotals(into: UsageTotals, add: UsageTotals): void {
  into.turns += add.turns;
  into.input_tokens += add.input_tokens;
  into.cached_input_tokens += add.cached_input_tokens;
  into.cache_write_tokens += add.cache_write_tokens;
  into.output_tokens += add.output_tokens;
  into.reasoning_tokens += add.reasoning_tokens;
  into.tokens += add.tokens;
  into.cost_usd = Math.round((into.cost_usd + add.cost_usd) * 1e9) / 1e9;
  into.unpriced_turns += add.unpriced_turns;
}

export function totalsOfEntry(entry: UsageEntry): UsageTotals {
  return {
    turns: 1,
    input_tokens: entry.input_tokens,
    cached_input_tokens: entry.cached_input_tokens,
    cache_write_tokens: entry.cache_write_tokens,
    output_tokens: entry.output_tokens,
    reasoning_tokens: entry.reasoning_tokens,
    tokens: tokensOf(entry),
    cost_usd: entry.cost_usd ?? 0,
    unpriced_turns: entry.cost_usd === undefined && entry.reported ? 1 : 0,
  };
}

/** The row of one entry; `withJob` keeps its job, for roll-ups by job. */
export function rowOf(entry: UsageEntry, withJob = false): UsageRow {
  return {
    day: dayOf(entry.at),
    agent: entry.agent,
    ...(entry.model && { model: entry.model }),
    repo: entry.repo,
    ...(entry.worker && { worker: entry.worker }),
    ...(entry.worker_id && { worker_id: entry.worker_id }),
    ...(entry.run && { run: entry.run }),
    ...(withJob && entry.job && { job: entry.job }),
    totals: totalsOfEntry(entry),
  };
}

/** Adds an entry to the rows of its day, keyed by everything a row keeps apart. */
export function addToRows(rows: Map<string, UsageRow>, entry: UsageEntry): void {
  const row = rowOf(entry);
  const key = JSON.stringify([row.agent, row.model ?? "", row.repo, row.worker ?? "", row.worker_id ?? "", row.run ?? ""]);
  const existing = rows.get(key);
  if (existing) addTotals(existing.totals, row.totals);
  else rows.set(key, row);
}
