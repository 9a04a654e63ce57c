import { createInterface } from "node:readline/promises";
import { defineCommand } from "citty";
import { environmentForAgent, loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { createRedactor } from "../redact/index.ts";
import { openLocalWorkspace } from "../workspace/handoff.ts";
import { executeHandoff, watchHandoff, type HandoffRunOptions, type HandoffRunReport } from "../workspace/handoff-run.ts";
import { emit } from "./output.ts";

const runArgs = {
  root: { type: "string", required: true, description: "Repository whose .ai-bridge/current-plan.md is run", valueHint: "DIR" },
  agent: { type: "string", required: true, description: "Name of the agent, recorded in the handoff status", valueHint: "NAME" },
  "command-template": {
    type: "string",
    required: true,
    description: "Agent command; {{plan_file}} and {{root}} are replaced, no shell runs it",
    valueHint: "TEMPLATE",
  },
  yes: { type: "boolean", description: "Run without asking for confirmation" },
  json: { type: "boolean", description: "Print the run report as JSON (the agent's own output goes to stderr)" },
} as const;

type RunArgs = { root: string; agent: string; "command-template": string; once?: boolean; yes?: boolean; json?: boolean };

/** Asks on the terminal; without one, refusing is the only safe answer unless --yes was given. */
async function confirmRun(argv: string[], root: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new PatchbayError("confirmation_required", `patchbay would run \`${argv.join(" ")}\` in ${root}, but cannot ask: stdin is not a terminal`, {
      next: "pass --yes to run it without asking",
    });
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`Run \`${argv.join(" ")}\` in ${root}? [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

async function runOptions(args: RunArgs): Promise<HandoffRunOptions> {
  const home = patchbayHome();
  const config = await loadCheckedConfig({ home });
  const ws = await openLocalWorkspace(args.root, config.repositories.blocked_globs);
  return {
    ws,
    home,
    agent: args.agent,
    template: args["command-template"],
    confirm: (argv) => confirmRun(argv, ws.root, args.yes),
    agentStdout: args.json ? "stderr" : "inherit",
    env: environmentForAgent(args.agent, config),
    redact: createRedactor(process.env).redact,
  };
}

function describe(report: HandoffRunReport): string {
  const outcome = report.exit_code === null ? `stopped by ${report.signal}` : `exited ${report.exit_code}`;
  return [
    // Against the commit the plan was written on: files already changed then (untracked ones too) count as well.
    `${report.agent} ${outcome}; ${report.files.length} file(s) differ from the commit the plan was written on`,
    `  status: ${report.status_file}`,
    `  diff:   ${report.diff_file}`,
  ].join("\n");
}

/** At a shell the plan comes from `patchbay context apply`; the MCP tool the library's hint also offers is not this user's. */
function planHintForShell(error: unknown): never {
  if (error instanceof PatchbayError && error.code === "handoff_no_plan")
    throw new PatchbayError("handoff_no_plan", error.message, { next: "write one with `patchbay context apply --root DIR --file plan.md --agent NAME`" });
  throw error;
}

const execute = defineCommand({
  meta: { name: "execute", description: "Run a local agent on .ai-bridge/current-plan.md and record its status and diff" },
  args: runArgs,
  async run({ args }) {
    const report = await executeHandoff(await runOptions(args)).catch(planHintForShell);
    emit(args.json, report, () => describe(report));
    return report.exit_code === 0 ? 0 : 1;
  },
});

const watch = defineCommand({
  meta: { name: "watch", description: "Run the agent whenever .ai-bridge/current-plan.md changes (polled every second)" },
  args: { ...runArgs, once: { type: "boolean", description: "Stop after the first run" } },
  async run({ args }) {
    let last: HandoffRunReport | undefined;
    await watchHandoff({
      ...(await runOptions(args)),
      once: Boolean(args.once),
      intervalMs: 1_000,
      onRun: (report) => {
        last = report;
        emit(args.json, report, () => describe(report));
      },
      onBusy: (error) => process.stderr.write(`patchbay: ${error.message}; trying again\n`),
    });
    return last?.exit_code === 0 ? 0 : 1;
  },
});

export default defineCommand({
  meta: { name: "handoff", description: "Run local agents on the handoff plan in .ai-bridge/" },
  subCommands: { execute, watch },
});
