/**
 * codex_usage: the usage ledger rolled up for a host (what turns used and cost, by model, agent,
 * day, job, worker, run or repository), limited to the session's allowed repositories.
 */
import * as v from "valibot";
import { realRoots } from "../../mcp/session.ts";
import { defineTool } from "../../mcp/tool.ts";
import { openWorkspace } from "../../workspace/index.ts";
import { budgetStates, budgetsText } from "../budgets.ts";
import { usageLedger } from "../ledger.ts";
import { reportText, sinceDay, usageReport } from "../report.ts";
import { GROUPINGS } from "../rollup.ts";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const totals = {
  turns: v.number(),
  input_tokens: v.number(),
  cached_input_tokens: v.number(),
  cache_write_tokens: v.number(),
  output_tokens: v.number(),
  reasoning_tokens: v.number(),
  tokens: v.number(),
  cost_usd: v.number(),
  unpriced_turns: v.number(),
};
const name = (what: string) => v.optional(v.pipe(v.string(), v.maxLength(200), v.description(what)));

export const usageTool = defineTool({
  name: "codex_usage",
  title: "Usage and cost",
  description: "Tokens and USD agent turns used in this session's repositories, and today's budgets: spent, limits, state.",
  input: v.strictObject({
    since: name('First UTC day: "YYYY-MM-DD" or days back, e.g. "7d".'),
    repo_path: name("Only turns in this repository."),
    worker: name("Only this worker's turns."),
    run_id: name("Only this pipeline run's turns."),
    job_id: name("Only this job's turn."),
    by: v.optional(v.pipe(v.picklist(GROUPINGS), v.description("Also a row per group."))),
  }),
  output: v.object({
    total: v.object(totals),
    by: v.optional(v.picklist(GROUPINGS)),
    groups: v.optional(v.array(v.object({ key: v.string(), ...totals }))),
    prices_as_of: v.string(),
    budgets: v.array(
      v.object({
        scope: v.picklist(["run", "worker", "repo_daily", "daily"]),
        what: v.string(),
        unit: v.picklist(["tokens", "usd"]),
        spent: v.number(),
        soft_limit: v.optional(v.number()),
        hard_limit: v.optional(v.number()),
        state: v.picklist(["ok", "soft_exceeded", "hard_exceeded"]),
        key: v.string(),
      }),
    ),
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Adding up usage", invoked: "Usage added up" },
  async handler(args, context) {
    const repo = args.repo_path ? (await openWorkspace(context.session.scope, context.app, args.repo_path)).root : undefined;
    const within = realRoots(context.session.scope);
    const ledger = usageLedger(context.app.home, context.app.store);
    const report = await usageReport(ledger, {
      within,
      ...(args.since && { sinceDay: sinceDay(args.since, "since") }),
      ...(repo && { repo }),
      ...(args.worker && { worker: args.worker }),
      ...(args.run_id && { run: args.run_id }),
      ...(args.job_id && { job: args.job_id }),
      ...(args.by && { by: args.by }),
    });
    const budgets = await budgetStates(ledger, context.app.config, within);
    return { text: [reportText(report), budgetsText(budgets)].filter(Boolean).join("\n"), structured: { ...report, budgets } };
  },
});
