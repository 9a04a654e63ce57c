/**
 * Budgets from `[budgets.hard]` and `[budgets.soft]`, computed from the ledger every time (so they
 * survive restarts and count every server sharing the state): per run, per worker, per repository
 * per UTC day and for all turns per UTC day, in USD and in tokens (input plus output).
 */
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { dayOf, type UsageEntry, type UsageOwner } from "./entry.ts";
import type { UsageLedger } from "./ledger.ts";
import { matches, rollUp, type UsageFilter, type UsageTotals } from "./rollup.ts";
import type { UsageRow } from "./rows.ts";

/** Whose spending a turn adds to. */
export interface TurnScope {
  repo: string;
  worker?: string;
  worker_id?: string;
  run?: string;
}

/** The scope of a turn in `repo` that belongs to `owner` (a run's turns count to its base repository). */
export function turnScope(repo: string, owner: UsageOwner | undefined): TurnScope {
  return {
    repo: owner?.repo ?? repo,
    ...(owner?.worker && { worker: owner.worker }),
    ...(owner?.worker_id && { worker_id: owner.worker_id }),
    ...(owner?.run && { run: owner.run }),
  };
}

type Level = "hard" | "soft";
type Limits = Config["budgets"]["hard"];
const SCOPES = ["run", "worker", "repo_daily", "daily"] as const;
type Scope = (typeof SCOPES)[number];

/** A budget at or past its limit. */
export interface BudgetBreach {
  /** The config key, e.g. `budgets.hard.run_tokens`. */
  key: string;
  /** What it covers, e.g. `run run_abc` or `repository /src/app today`. */
  what: string;
  unit: "tokens" | "usd";
  used: number;
  limit: number;
}

/** What the turn's owners have spent so far, per budget scope that applies to it. */
export type Spent = Partial<Record<Scope, UsageTotals>>;

function filterFor(scope: Scope, turn: TurnScope, today: string): UsageFilter | undefined {
  if (scope === "run") return turn.run ? { run: turn.run } : undefined;
  // Worker names are unique within a repository only, and only among workers not stopped: the id tells them apart.
  if (scope === "worker") return turn.worker ? { worker: turn.worker, repo: turn.repo, ...(turn.worker_id && { worker_id: turn.worker_id }) } : undefined;
  if (scope === "repo_daily") return { repo: turn.repo, sinceDay: today };
  return { sinceDay: today };
}

function describeScope(scope: Scope, turn: TurnScope): string {
  if (scope === "run") return `run ${turn.run}`;
  if (scope === "worker") return `worker ${turn.worker}`;
  if (scope === "repo_daily") return `repository ${turn.repo} today (UTC)`;
  return "all turns today (UTC)";
}

function hasBudgets(config: Config): boolean {
  return [config.budgets.hard, config.budgets.soft].some((limits) => Object.values(limits).some((limit) => limit > 0));
}

/** The totals of every scope the turn belongs to, from the ledger (empty when no budget is set). */
export async function spentBy(ledger: UsageLedger, config: Config, turn: TurnScope, now = Date.now()): Promise<Spent> {
  if (!hasBudgets(config)) return {};
  const today = dayOf(now);
  return spentIn(await ledger.rows(turn.run || turn.worker ? undefined : today), turn, today, SCOPES);
}

function spentIn(rows: readonly UsageRow[], turn: TurnScope, today: string, scopes: readonly Scope[]): Spent {
  const spent: Spent = {};
  for (const scope of scopes) {
    const filter = filterFor(scope, turn, today);
    if (filter) spent[scope] = rollUp(rows, filter).total;
  }
  return spent;
}

/** The config key of one budget, e.g. budgets.hard.run_tokens. */
function keyOf(level: Level, scope: Scope, unit: "tokens" | "usd"): string {
  return ["budgets", level, `${scope}_${unit}`].join(".");
}

type Running = Pick<UsageEntry, "input_tokens" | "output_tokens"> & { cost_usd?: number };

/**
 * Budgets of `level` that `spent` has reached, or, given a running turn's own use so far, that
 * it has gone past: a turn that ends exactly on a budget finishes, and the next one is refused.
 */
export function breaches(config: Config, level: Level, turn: TurnScope, spent: Spent, running?: Running): BudgetBreach[] {
  const limits: Limits = config.budgets[level];
  const found: BudgetBreach[] = [];
  for (const scope of SCOPES) {
    const totals = spent[scope];
    if (!totals) continue;
    const tokens = totals.tokens + (running ? running.input_tokens + running.output_tokens : 0);
    const usd = totals.cost_usd + (running?.cost_usd ?? 0);
    const over = (used: number, limit: number) => limit > 0 && (running ? used > limit : used >= limit);
    const tokenLimit = limits[`${scope}_tokens`];
    const usdLimit = limits[`${scope}_usd`];
    const what = describeScope(scope, turn);
    if (over(tokens, tokenLimit)) found.push({ key: keyOf(level, scope, "tokens"), what, unit: "tokens", used: tokens, limit: tokenLimit });
    if (over(usd, usdLimit)) found.push({ key: keyOf(level, scope, "usd"), what, unit: "usd", used: usd, limit: usdLimit });
  }
  return found;
}

/** "$0.1234" or "12,345 tokens". */
function amountIn(unit: "tokens" | "usd", value: number): string {
  return unit === "usd" ? `$${value.toFixed(4)}` : `${value.toLocaleString("en-US")} tokens`;
}

function describeBreach(breach: BudgetBreach): string {
  return `${breach.what} has used ${amountIn(breach.unit, breach.used)}, at or past ${breach.key} = ${breach.unit === "usd" ? breach.limit : breach.limit.toLocaleString("en-US")}`;
}

function budgetExceeded(breach: BudgetBreach): PatchbayError {
  return new PatchbayError("budget_exceeded", `budget reached: ${describeBreach(breach)}; the turn was not started`, {
    next: `raise ${breach.key} in $PATCHBAY_HOME/config.toml (0 turns the budget off) and restart the server; \`patchbay usage\` (codex_usage) shows what was spent`,
    details: { ...breach },
  });
}

/**
 * Before a turn starts: throws budget_exceeded for the first hard budget reached, and returns
 * the soft budgets reached, as lines for the turn's events.
 */
export function assertWithinBudgets(config: Config, turn: TurnScope, spent: Spent): string[] {
  const hard = breaches(config, "hard", turn, spent);
  if (hard[0]) throw budgetExceeded(hard[0]);
  return breaches(config, "soft", turn, spent).map((breach) => `warning: soft budget reached: ${describeBreach(breach)}`);
}

/**
 * Refuses a turn before it is even queued when a hard budget it belongs to is reached (the check
 * runs again when it starts: turns queued before it may spend the rest).
 */
export async function refuseOverBudget(ledger: UsageLedger, config: Config, turn: TurnScope): Promise<void> {
  assertWithinBudgets(config, turn, await spentBy(ledger, config, turn));
}

/** Where one budget stands: what its scope has spent against its limits. */
export interface BudgetState {
  scope: Scope;
  what: string;
  unit: "tokens" | "usd";
  spent: number;
  soft_limit?: number;
  hard_limit?: number;
  state: "ok" | "soft_exceeded" | "hard_exceeded";
  /** The config key of the limit it is past, or of the one it counts toward (soft before hard). */
  key: string;
}

/**
 * The scopes a budget check would meet in these rows: all turns today, each repository, run and
 * worker that had a turn today (inside `within` when given).
 */
function scopesToday(rows: readonly UsageRow[], today: string, within?: readonly string[]): Array<[Scope, TurnScope]> {
  const found = new Map<string, [Scope, TurnScope]>([["daily", ["daily", { repo: "" }]]]);
  for (const row of rows) {
    if (!matches(row, { sinceDay: today, ...(within && { within }) })) continue;
    found.set(`repo ${row.repo}`, ["repo_daily", { repo: row.repo }]);
    if (row.run) found.set(`run ${row.run}`, ["run", { repo: row.repo, run: row.run }]);
    if (row.worker) found.set(`worker ${row.repo} ${row.worker}`, ["worker", { repo: row.repo, worker: row.worker }]);
  }
  return [...found.values()];
}

/**
 * Every configured budget's state for the turns of today in `within` (every repository without
 * it), judged by the same check that refuses and warns before a turn.
 */
export async function budgetStates(ledger: UsageLedger, config: Config, within?: readonly string[], now = Date.now()): Promise<BudgetState[]> {
  if (!hasBudgets(config)) return [];
  const today = dayOf(now);
  const rows = await ledger.rows();
  const states: BudgetState[] = [];
  for (const [scope, turn] of scopesToday(rows, today, within)) {
    const spent = spentIn(rows, turn, today, [scope]);
    const totals = spent[scope]!;
    const past = (level: Level, unit: "tokens" | "usd") => breaches(config, level, turn, spent).some((breach) => breach.unit === unit);
    for (const unit of ["tokens", "usd"] as const) {
      const soft = config.budgets.soft[`${scope}_${unit}`];
      const hard = config.budgets.hard[`${scope}_${unit}`];
      if (!(soft > 0) && !(hard > 0)) continue;
      const state = past("hard", unit) ? "hard_exceeded" : past("soft", unit) ? "soft_exceeded" : "ok";
      const level: Level = state === "hard_exceeded" || !(soft > 0) ? "hard" : "soft";
      states.push({
        scope,
        what: describeScope(scope, turn),
        unit,
        spent: unit === "tokens" ? totals.tokens : totals.cost_usd,
        ...(soft > 0 && { soft_limit: soft }),
        ...(hard > 0 && { hard_limit: hard }),
        state,
        key: keyOf(level, scope, unit),
      });
    }
  }
  return states;
}

/** The budgets as report lines, under a "budgets" heading (nothing when none is set). */
export function budgetsText(states: readonly BudgetState[]): string {
  if (!states.length) return "";
  const amount = (state: BudgetState, value: number) => amountIn(state.unit, value);
  const limits = (state: BudgetState) =>
    [state.soft_limit && `soft ${amount(state, state.soft_limit)}`, state.hard_limit && `hard ${amount(state, state.hard_limit)}`].filter(Boolean).join(", ");
  const lines = states.map((state) => `  ${state.what}: ${amount(state, state.spent)} of ${limits(state)}: ${state.state.replace("_", " ")} (${state.key})`);
  return ["budgets:", ...lines].join("\n");
}
