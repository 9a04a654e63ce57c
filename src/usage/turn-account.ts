/**
 * The ledger's side of one agent turn: before it starts, the hard budgets it would start past
 * (budget_exceeded: the agent is never run) and the soft ones it warns about; while it runs, the
 * hard budget its own reported use crosses; when it ends, its one entry.
 */
import type { AgentUsage } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { assertWithinBudgets, breaches, spentBy, turnScope } from "./budgets.ts";
import { entryFor, type TurnFacts, type UsageEntry } from "./entry.ts";
import type { UsageLedger } from "./ledger.ts";

export interface TurnAccount {
  /** Lines about soft budgets the turn starts past, for its events. */
  readonly warnings: string[];
  /** Aborted once the turn's own reported use goes past a hard budget: pass it to the turn. */
  readonly stop: AbortSignal;
  /** Why the turn was stopped, naming the hard budget, once one stopped it. */
  stopReason(): string | undefined;
  /** The turn's use so far (its own share, not a session total); stops it past a hard budget. */
  observe(usage: AgentUsage): void;
  /** Appends the turn's entry (marked when a budget stopped it); resolves once it is durable. */
  close(usage: AgentUsage | undefined): Promise<UsageEntry>;
}

/** The caller's signal and the account's stop as one (the account's alone without a caller's). */
export function turnSignal(account: TurnAccount | undefined, signal: AbortSignal | undefined): AbortSignal | undefined {
  const all = [signal, account?.stop].filter((one): one is AbortSignal => one !== undefined);
  return all.length > 1 ? AbortSignal.any(all) : all[0];
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
  const stop = new AbortController();
  let stoppedBy: string | undefined;
  return {
    warnings,
    stop: stop.signal,
    stopReason: () => stoppedBy && `stopped: the turn went past ${stoppedBy} (raise it in config.toml; \`patchbay usage\` (codex_usage) shows what was spent)`,
    observe(usage) {
      if (stoppedBy) return;
      const running = entryFor({ ...facts, usage, endedAt: Date.now() }, config);
      stoppedBy = breaches(config, "hard", scope, spent, running)[0]?.key;
      if (stoppedBy) stop.abort();
    },
    async close(usage) {
      const entry = entryFor({ ...facts, ...(usage && { usage }), endedAt: Date.now(), ...(stoppedBy && { stoppedByBudget: stoppedBy }) }, config);
      await ledger.record(entry);
      return entry;
    },
  };
}
