/**
 * The ledger's side of one agent turn: before it starts, the hard budgets it would start past
 * (budget_exceeded: the agent is never run) and the soft ones it warns about; while it runs, the
 * hard budget its own reported use crosses; when it ends, its one entry.
 */
import type { AgentUsage } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { assertWithinBudgets, type BudgetBreach, breaches, spentBy, turnScope } from "./budgets.ts";
import { entryFor, type TurnFacts, type UsageEntry } from "./entry.ts";
import type { UsageLedger } from "./ledger.ts";

export interface TurnAccount {
  /** Lines about soft budgets the turn starts past, for its events. */
  readonly warnings: string[];
  /** The first hard budget that this turn's use so far (its own share, not a session total) crosses. */
  crossed(usage: AgentUsage): BudgetBreach | undefined;
  /** Appends the turn's entry; resolves once it is durable. */
  close(usage: AgentUsage | undefined, stoppedByBudget?: string): Promise<UsageEntry>;
}

export type TurnStart = Omit<TurnFacts, "usage" | "endedAt" | "stoppedByBudget"> & { ledger: UsageLedger; config: Config };

/**
 * @example
 * const account = await openTurnAccount({ ledger, config, id: job.id, agent: "codex", repo, job: job.id, startedAt: Date.now() });
 * // … run the turn …
 * await account.close(usage);
 */
export async function openTurnAccount(start: TurnStart): Promise<TurnAccount> {
  const { ledger, config, ...facts } = start;
  const scope = turnScope(facts.repo, facts.owner);
  const spent = await spentBy(ledger, config, scope);
  const warnings = assertWithinBudgets(config, scope, spent);
  return {
    warnings,
    crossed(usage) {
      const running = entryFor({ ...facts, usage, endedAt: Date.now() }, config);
      return breaches(config, "hard", scope, spent, running)[0];
    },
    async close(usage, stoppedByBudget) {
      const entry = entryFor({ ...facts, ...(usage && { usage }), endedAt: Date.now(), ...(stoppedByBudget && { stoppedByBudget }) }, config);
      await ledger.record(entry);
      return entry;
    },
  };
}
