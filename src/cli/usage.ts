import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { budgetStates, budgetsText, GROUPINGS, type Grouping, homeLedger, reportText, sinceDay, type UsageQuery, usageReport } from "../usage/index.ts";
import { emit } from "./output.ts";

const BY: readonly Grouping[] = GROUPINGS;

export default defineCommand({
  meta: { name: "usage", description: "What agent turns used and cost, from the usage ledger: totals, filtered and grouped" },
  args: {
    since: { type: "string", description: "First UTC day to include: YYYY-MM-DD, or a number of days back such as 7d", valueHint: "DAY|Nd" },
    repo: { type: "string", description: "Only turns in this repository", valueHint: "PATH" },
    worker: { type: "string", description: "Only this worker's turns", valueHint: "NAME" },
    run: { type: "string", description: "Only this pipeline run's turns", valueHint: "RUN_ID" },
    job: { type: "string", description: "Only this job's turn", valueHint: "JOB_ID" },
    by: { type: "string", description: `Also one line per ${BY.join(", ")}`, valueHint: BY.join("|") },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    if (args.by !== undefined && !(BY as readonly string[]).includes(args.by)) {
      throw new PatchbayError("invalid_flag", `--by: expected one of ${BY.join(", ")}, got ${args.by || "nothing"}`, {
        next: "pass --by model, --by agent or --by day",
      });
    }
    const query: UsageQuery = {
      ...(args.since !== undefined && { sinceDay: sinceDay(args.since, "--since") }),
      // Entries name the repository by its real path.
      ...(args.repo !== undefined && { repo: await realpath(resolve(args.repo)).catch(() => resolve(args.repo!)) }),
      ...(args.worker !== undefined && { worker: args.worker }),
      ...(args.run !== undefined && { run: args.run }),
      ...(args.job !== undefined && { job: args.job }),
      ...(args.by !== undefined && { by: args.by as Grouping }),
    };
    const home = patchbayHome();
    const config = await loadCheckedConfig({ home });
    const ledger = homeLedger(home, config);
    try {
      const report = { ...(await usageReport(ledger, query)), budgets: await budgetStates(ledger, config) };
      emit(args.json, report, () => [reportText(report), budgetsText(report.budgets)].filter(Boolean).join("\n"));
      return 0;
    } finally {
      await ledger.close();
    }
  },
});
