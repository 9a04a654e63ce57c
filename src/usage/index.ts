/**
 * Usage: the append-only ledger of what every agent turn used and cost (one entry per turn, by
 * UTC day, in the state store), prices, roll-ups and budgets computed from it. Jobs open a turn
 * account around each turn and refuse one past a hard budget; the CLI, workers and the pipeline
 * read roll-ups. Its MCP tool is its tool face, `tools/index.ts`.
 */
export { type BudgetState, budgetStates, budgetsText, refuseOverBudget, turnScope } from "./budgets.ts";
export { dayOf, type UsageEntry, type UsageOwner } from "./entry.ts";
export { fsLedger, homeLedger, ledgerDir, type UsageLedger, usageLedger } from "./ledger.ts";
export { costLine, GROUPINGS, type Grouping, rollUp, type UsageTotals } from "./rollup.ts";
export { openTurnAccount, type TurnAccount, turnSignal } from "./turn-account.ts";
export { reportText, sinceDay, totalsOf, type UsageQuery, usageReport } from "./report.ts";
