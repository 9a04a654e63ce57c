/**
 * Usage: the append-only ledger of what every agent turn used and cost (one entry per turn, by
 * UTC day, in the state store), prices, roll-ups and budgets computed from it. Jobs open a turn
 * account around each turn; the CLI, workers and the pipeline read roll-ups. Its MCP tool is its
 * tool face, `tools/index.ts`.
 */
export {
  assertWithinBudgets,
  type BudgetBreach,
  breaches,
  budgetExceeded,
  describeBreach,
  refuseOverBudget,
  spentBy,
  turnScope,
  type Spent,
  type TurnScope,
} from "./budgets.ts";
export { costOf, priceOf } from "./cost.ts";
export { dayOf, entryFor, tokensOf, type TurnFacts, type UsageEntry, type UsageOwner } from "./entry.ts";
export { fsLedger, ledgerDir, localLedger, type UsageLedger, usageLedger } from "./ledger.ts";
export { PRICES, PRICES_AS_OF, type ModelPrice } from "./prices.ts";
export { rowOf, type UsageRow } from "./rows.ts";
export { costLine, GROUPINGS, type Grouping, rollUp, type UsageFilter, type UsageGroup, type UsageReport, type UsageTotals } from "./rollup.ts";
export { openTurnAccount, type TurnAccount, type TurnStart } from "./turn-account.ts";
export { reportText, sinceDay, totalsOf, type UsageQuery, usageReport } from "./report.ts";
