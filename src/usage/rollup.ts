/**
 * Roll-ups of ledger rows (rows.ts): filtered (since a day, a repository, a worker, a run) and summed
 * per group (model, agent, day, job, worker, run, repository). Unpriced entries add their tokens
 * but no cost, and are counted, so a total never pretends to cover what it could not price.
 */
import { isInside } from "../workspace/index.ts";
import { addTotals, emptyTotals, type UsageRow, type UsageTotals } from "./rows.ts";

export type { UsageTotals };

export const GROUPINGS = ["model", "agent", "day", "job", "worker", "run", "repo"] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface UsageFilter {
  /** YYYY-MM-DD, inclusive. */
  sinceDay?: string;
  repo?: string;
  worker?: string;
  /** One worker, whatever its name: rows written before ids were kept match by `worker` and `repo` (give both). */
  worker_id?: string;
  run?: string;
  job?: string;
  /** Only turns whose repository lies inside one of these real paths (a session's allowed roots). */
  within?: readonly string[];
}

export interface UsageGroup extends UsageTotals {
  key: string;
}

export interface UsageReport {
  total: UsageTotals;
  groups?: UsageGroup[];
  by?: Grouping;
}

export function matches(row: UsageRow, filter: UsageFilter): boolean {
  return (
    (!filter.sinceDay || row.day >= filter.sinceDay) &&
    (!filter.repo || row.repo === filter.repo) &&
    (!filter.worker || row.worker === filter.worker) &&
    (!filter.worker_id || (row.worker_id ?? (row.worker === filter.worker && row.repo === filter.repo ? filter.worker_id : undefined)) === filter.worker_id) &&
    (!filter.run || row.run === filter.run) &&
    (!filter.job || row.job === filter.job) &&
    (!filter.within || filter.within.some((root) => isInside(root, row.repo)))
  );
}

function keyOf(row: UsageRow, by: Grouping): string {
  return row[by] ?? (by === "model" ? "(default model)" : "(none)");
}

/** Totals of the matching rows, and per group when `by` is given (groups sorted by key). */
export function rollUp(rows: readonly UsageRow[], filter: UsageFilter = {}, by?: Grouping): UsageReport {
  const total = emptyTotals();
  const groups = new Map<string, UsageTotals>();
  for (const row of rows) {
    if (!matches(row, filter)) continue;
    addTotals(total, row.totals);
    if (!by) continue;
    const key = keyOf(row, by);
    const group = groups.get(key) ?? emptyTotals();
    groups.set(key, group);
    addTotals(group, row.totals);
  }
  if (!by) return { total };
  const sorted = [...groups].map(([key, totals]) => ({ key, ...totals })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { total, by, groups: sorted };
}

const turns = (count: number) => `${count} ${count === 1 ? "turn" : "turns"}`;

/** "12,345 tokens in 3 turns, $0.0123" (with the cache writes among them, and the turns no price covers), for report lines. */
export function costLine(totals: UsageTotals): string {
  const writes = totals.cache_write_tokens > 0 ? ` (${totals.cache_write_tokens.toLocaleString("en-US")} written to the prompt cache)` : "";
  const cost = totals.turns === totals.unpriced_turns && totals.turns > 0 ? "no known price" : `$${totals.cost_usd.toFixed(4)}`;
  const unpriced =
    totals.unpriced_turns > 0 && totals.turns !== totals.unpriced_turns ? ` (${turns(totals.unpriced_turns)} with no known price not in it)` : "";
  return `${totals.tokens.toLocaleString("en-US")} tokens in ${turns(totals.turns)}${writes}, ${cost}${unpriced}`;
}
