/**
 * What `patchbay usage` and codex_usage answer: the ledger rolled up under the caller's filters,
 * as JSON and as lines a person reads.
 */
import { PatchbayError } from "../errors/index.ts";
import { dayOf } from "./entry.ts";
import type { UsageLedger } from "./ledger.ts";
import { PRICES_AS_OF } from "./prices.ts";
import { rowOf, type UsageRow } from "./rows.ts";
import { costLine, type Grouping, rollUp, type UsageFilter, type UsageReport, type UsageTotals } from "./rollup.ts";

export interface UsageQuery extends UsageFilter {
  by?: Grouping;
}

/**
 * A day (YYYY-MM-DD) or a number of days back (`7d`: today and the six before) as the first UTC
 * day to include; `flag` names the option in the error.
 *
 * @example
 * sinceDay("7d", "--since", Date.parse("2026-12-06T10:00:00Z")); // "2026-11-30"
 */
export function sinceDay(value: string, flag: string, now = Date.now()): string {
  const days = /^(\d{1,4})d$/.exec(value);
  if (days) return dayOf(now - Math.max(0, Number(days[1]) - 1) * 86_400_000);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return value;
  throw new PatchbayError("invalid_value", `${flag} ${JSON.stringify(value)} is neither a day nor a number of days`, {
    next: `pass a UTC day such as ${dayOf(now)}, or a number of days back such as 7d`,
  });
}

/** Day rows, or one row per entry when a job is asked for (rows sum jobs together). */
async function rowsFor(ledger: UsageLedger, filter: UsageFilter, by?: Grouping): Promise<UsageRow[]> {
  if (!filter.job && by !== "job") return ledger.rows(filter.sinceDay);
  return (await ledger.entries(filter.sinceDay)).map((entry) => rowOf(entry, true));
}

export async function usageReport(ledger: UsageLedger, query: UsageQuery): Promise<UsageReport & { prices_as_of: string }> {
  const { by, ...filter } = query;
  return { ...rollUp(await rowsFor(ledger, filter, by), filter, by), prices_as_of: PRICES_AS_OF };
}

/** The totals of the entries that match. */
export async function totalsOf(ledger: UsageLedger, filter: UsageFilter): Promise<UsageTotals> {
  return rollUp(await rowsFor(ledger, filter), filter).total;
}

/** The report as lines: the total, then one line per group. */
export function reportText(report: UsageReport): string {
  if (report.total.turns === 0) return "No agent turns recorded for these filters.";
  const lines = [`total: ${costLine(report.total)}`];
  for (const group of report.groups ?? []) lines.push(`${report.by} ${group.key}: ${costLine(group)}`);
  return lines.join("\n");
}
