/**
 * Roll-ups of ledger entries: filtered (since a day, a repository, a worker, a run) and summed
 * per group (model, agent, day, job, worker, run, repository). Unpriced entries add their tokens
 * but no cost, and are counted, so a total never pretends to cover what it could not price.
 */
import { isInside } from "../workspace/index.ts";
import { dayOf, tokensOf, type UsageEntry } from "./entry.ts";

export const GROUPINGS = ["model", "agent", "day", "job", "worker", "run", "repo"] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface UsageFilter {
  /** YYYY-MM-DD, inclusive. */
  sinceDay?: string;
  repo?: string;
  worker?: string;
  run?: string;
  job?: string;
  /** Only turns whose repository lies inside one of these real paths (a session's allowed roots). */
  within?: readonly string[];
}

export interface UsageTotals {
  turns: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** input plus output: what token budgets count. */
  tokens: number;
  /** The sum over priced turns, rounded to a nano-dollar. */
  cost_usd: number;
  /** Turns with tokens but no price: their cost is not in cost_usd. */
  unpriced_turns: number;
}

export interface UsageGroup extends UsageTotals {
  key: string;
}

export interface UsageReport {
  total: UsageTotals;
  groups?: UsageGroup[];
  by?: Grouping;
}

export function emptyTotals(): UsageTotals {
  return { turns: 0, input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, tokens: 0, cost_usd: 0, unpriced_turns: 0 };
}

export function addEntry(totals: UsageTotals, entry: UsageEntry): void {
  totals.turns++;
  totals.input_tokens += entry.input_tokens;
  totals.cached_input_tokens += entry.cached_input_tokens;
  totals.output_tokens += entry.output_tokens;
  totals.reasoning_tokens += entry.reasoning_tokens;
  totals.tokens += tokensOf(entry);
  if (entry.cost_usd !== undefined) totals.cost_usd = Math.round((totals.cost_usd + entry.cost_usd) * 1e9) / 1e9;
  else if (entry.reported) totals.unpriced_turns++;
}

export function matches(entry: UsageEntry, filter: UsageFilter): boolean {
  return (
    (!filter.sinceDay || dayOf(entry.at) >= filter.sinceDay) &&
    (!filter.repo || entry.repo === filter.repo) &&
    (!filter.worker || entry.worker === filter.worker) &&
    (!filter.run || entry.run === filter.run) &&
    (!filter.job || entry.job === filter.job) &&
    (!filter.within || filter.within.some((root) => isInside(root, entry.repo)))
  );
}

function keyOf(entry: UsageEntry, by: Grouping): string {
  if (by === "day") return dayOf(entry.at);
  return entry[by] ?? (by === "model" ? "(default model)" : "(none)");
}

/** Totals of the matching entries, and per group when `by` is given (groups sorted by key). */
export function rollUp(entries: readonly UsageEntry[], filter: UsageFilter = {}, by?: Grouping): UsageReport {
  const total = emptyTotals();
  const groups = new Map<string, UsageTotals>();
  for (const entry of entries) {
    if (!matches(entry, filter)) continue;
    addEntry(total, entry);
    if (!by) continue;
    const key = keyOf(entry, by);
    const group = groups.get(key) ?? emptyTotals();
    groups.set(key, group);
    addEntry(group, entry);
  }
  if (!by) return { total };
  const rows = [...groups].map(([key, totals]) => ({ key, ...totals })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { total, by, groups: rows };
}

/** "12,345 tokens, $0.0123" (and how many turns had no price), for report lines. */
export function costLine(totals: UsageTotals): string {
  const cost = totals.turns === totals.unpriced_turns && totals.turns > 0 ? "no price" : `$${totals.cost_usd.toFixed(4)}`;
  const unpriced = totals.unpriced_turns > 0 && totals.turns !== totals.unpriced_turns ? ` (+${totals.unpriced_turns} turn(s) with no price)` : "";
  return `${totals.tokens.toLocaleString("en-US")} tokens, ${cost}${unpriced} over ${totals.turns} turn(s)`;
}
