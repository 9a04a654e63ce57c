/**
 * `patchbay plan|approve|write|test|review|fix|apply|status|diff|events|runs|cleanup|run|config|init|cancel`:
 * the phase pipeline from a shell. Parsing and printing only; the work is in src/pipeline. The
 * phases (plan … apply, and each phase of `run`) run on the server of this PATCHBAY_HOME, started
 * in the background when none runs (see pipeline/remote.ts), so their agent turns are server jobs;
 * `--standalone` runs them in this process instead. Every command takes --json.
 */
import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import * as pipeline from "../pipeline/index.ts";
import { createRedactor } from "../redact/index.ts";
import { costLine, homeLedger } from "../usage/index.ts";
import { integerFlag } from "./integer-flag.ts";
import { emit } from "./output.ts";
import { json, repoArg, repoOf } from "./pipeline/args.ts";
import { configCommand } from "./pipeline/config.ts";
import { eventText } from "./pipeline/event-text.ts";
import { RemotePhases } from "./pipeline/remote.ts";

const runIdArg = { type: "positional", required: true, description: "The run id", valueHint: "RUN_ID" } as const;
const mockArg = { type: "boolean", description: "Use the mock provider for the agent phases" } as const;
const allowAgentConfigArg = {
  type: "boolean",
  description: "Also apply changes to configuration that runs programs (.claude/, .mcp.json, git hooks, …); read them in `patchbay diff` first",
} as const;
const standaloneArg = { type: "boolean", description: "Run the phase in this process instead of on the server (its agent turns are not server jobs)" } as const;

/** Where the phases run: on the server (the default), or in this process with --standalone. */
function runnersFor(standalone: boolean | undefined, quiet: boolean): pipeline.PhaseRunners {
  return standalone ? pipeline.LOCAL_PHASES : new RemotePhases({ home: patchbayHome(), quiet });
}

/**
 * Runs `use` with the environment of a phase in this process, then closes the usage ledger it
 * opened (with Redis, one connection for all its phases); `remote`: the phases run on the
 * server, which stops them and keeps its own ledger.
 */
async function withEnv<T>(quiet: boolean, remote: boolean, use: (env: pipeline.PipelineEnv) => Promise<T>): Promise<T> {
  const home = patchbayHome();
  const config = await loadCheckedConfig({ home });
  const redactor = createRedactor(process.env);
  const controller = new AbortController();
  if (!remote) process.once("SIGINT", () => controller.abort());
  const ledger = remote ? undefined : homeLedger(home, config);
  try {
    return await use({
      home,
      config,
      redact: (text) => redactor.redact(text),
      ...(ledger && { ledger }),
      signal: controller.signal,
      clientRef: "cli",
      onProgress: quiet ? undefined : (text) => process.stderr.write(`  ${text}\n`),
    });
  } finally {
    await ledger?.close();
  }
}

function summary(view: pipeline.RunView | pipeline.RunRecord): string {
  const lines = [`${view.run_id}  ${view.state}`];
  const extra = view as Partial<pipeline.RunView>;
  if (extra.running) lines.push(`running: ${extra.running}`);
  if (view.interrupted) lines.push(`interrupted: ${view.interrupted.phase} (run it again)`);
  if (view.failure) lines.push(`failure (${view.failure.phase}): ${view.failure.message}`);
  if (view.cancelled)
    lines.push(`cancelled by ${view.cancelled.by} (${view.cancelled.phase === "cancel" ? "no phase was running" : `during ${view.cancelled.phase}`})`);
  if (view.tests) lines.push(`tests: ${view.tests.status}`);
  if (view.review) lines.push(`review: ${view.review.verdict}`);
  if (view.changed_files.length) lines.push(`changed: ${view.changed_files.join(", ")}`);
  if (view.out_of_scope?.length) lines.push(`outside the plan's affected_files (check by hand): ${view.out_of_scope.join(", ")}`);
  if (view.binary_files.length) lines.push(`binary (check by hand): ${view.binary_files.join(", ")}`);
  if (extra.next_step) lines.push(`next: ${extra.next_step}`);
  return lines.join("\n");
}

type PhaseFn = (repo: string, id: string, env: pipeline.PipelineEnv, options: pipeline.PhaseOptions) => Promise<pipeline.RunRecord>;

/** A phase's command; `takes` says which of the phase options it has flags for. */
const phaseCommand = (
  name: string,
  description: string,
  pick: (runners: pipeline.PhaseRunners) => PhaseFn,
  takes: { mock: boolean; agentConfig?: boolean } = { mock: true },
) =>
  defineCommand({
    meta: { name, description },
    args: {
      run_id: runIdArg,
      repo: repoArg,
      ...(takes.mock && { mock: mockArg }),
      ...(takes.agentConfig && { "allow-agent-config": allowAgentConfigArg }),
      standalone: standaloneArg,
      json,
    },
    async run({ args }) {
      const repo = await repoOf(args.repo);
      const run = pick(runnersFor(args.standalone, Boolean(args.json)));
      const options = {
        mock: Boolean((args as { mock?: boolean }).mock),
        allowAgentConfig: Boolean((args as { "allow-agent-config"?: boolean })["allow-agent-config"]),
      };
      await withEnv(Boolean(args.json), !args.standalone, (env) => run(repo, args.run_id, env, options));
      const view = await pipeline.status(repo, args.run_id);
      emit(args.json, view, () => summary(view));
      // Failing tests fail the command, as a test runner does: `test ID && review ID` stops there.
      return name === "test" && view.tests?.status === "failed" ? 1 : 0;
    },
  });

const plan = defineCommand({
  meta: {
    name: "plan",
    description: "Start a run: the planner writes PLAN.md (read-only). --run-id without --task runs the planner again for a run whose plan did not finish",
  },
  args: {
    task: { type: "string", description: "The change to make (required for a new run)", valueHint: "TEXT" },
    "run-id": { type: "string", description: "Choose the run id; alone, the run whose plan to run again", valueHint: "RUN_ID" },
    repo: repoArg,
    mock: mockArg,
    standalone: standaloneArg,
    json,
  },
  async run({ args }) {
    const repo = await repoOf(args.repo);
    const runners = runnersFor(args.standalone, Boolean(args.json));
    const options = { mock: Boolean(args.mock) };
    if (args.task === undefined && !args["run-id"])
      throw new PatchbayError("usage", "plan needs --task (a new run), or --run-id alone (plan that run again)", { next: 'pass --task "..."' });
    const record = await withEnv(Boolean(args.json), !args.standalone, (env) =>
      args.task === undefined
        ? runners.replan(repo, args["run-id"]!, env, options)
        : runners.plan(repo, args.task, env, { ...options, ...(args["run-id"] && { runId: args["run-id"] }) }),
    );
    const view = await pipeline.status(repo, record.run_id);
    emit(args.json, view, () => summary(view));
    return 0;
  },
});

const status = defineCommand({
  meta: { name: "status", description: "A run's state, next step and artifacts" },
  args: { run_id: runIdArg, repo: repoArg, json },
  async run({ args }) {
    const view = await pipeline.status(await repoOf(args.repo), args.run_id);
    emit(args.json, view, () => `${summary(view)}\nartifacts: ${view.artifacts.join(", ")}`);
    return 0;
  },
});

const diff = defineCommand({
  meta: { name: "diff", description: "A run's FINAL.diff" },
  args: { run_id: runIdArg, repo: repoArg, json },
  async run({ args }) {
    const text = await pipeline.runDiff(await repoOf(args.repo), args.run_id);
    emit(args.json, { run_id: args.run_id, diff: text }, () => text.trimEnd() || "(no diff yet)");
    return 0;
  },
});

/** How long `events --follow` watches a run with no phase running and no new event before it stops: a `run` moves on within it. */
const FOLLOW_QUIET_MS = 10_000;

const eventLine = (event: pipeline.RunEvent) => `${event.timestamp} ${event.phase.padEnd(7)} ${eventText(event)}`;

const events = defineCommand({
  meta: {
    name: "events",
    description: "A run's events (--json: one JSON array); --follow keeps printing (--json: one event per line) until the run ends or waits for you",
  },
  args: {
    run_id: runIdArg,
    repo: repoArg,
    since: { type: "string", description: "Start at this index", valueHint: "N" },
    phase: { type: "string", description: "Only this phase", valueHint: "PHASE" },
    follow: { type: "boolean", description: "Keep following new events (Ctrl-C stops)" },
    json,
  },
  async run({ args }) {
    const repo = await repoOf(args.repo);
    if (args.phase && !(pipeline.PHASES as readonly string[]).includes(args.phase))
      throw new PatchbayError("usage", `--phase: expected one of ${pipeline.PHASES.join(", ")}`);
    let since = integerFlag("since", args.since, { min: 0, max: Number.MAX_SAFE_INTEGER }, 0);
    const read = () => pipeline.readRunEvents(repo, args.run_id, { since, ...(args.phase && { phase: args.phase as pipeline.Phase }) });
    if (!args.follow) {
      const result = await read();
      if (result.skipped_lines > 0 && !args.json) process.stderr.write(`${result.skipped_lines} unreadable line(s) of events.jsonl skipped\n`);
      emit(args.json, result.events, () => result.events.map(eventLine).join("\n"));
      return 0;
    }
    let quietSince = Date.now();
    for (;;) {
      const result = await read();
      for (const event of result.events) process.stdout.write(args.json ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
      if (result.skipped_lines > 0 && !args.json) process.stderr.write(`${result.skipped_lines} unreadable line(s) of events.jsonl skipped\n`);
      if (result.next !== since) quietSince = Date.now();
      since = result.next;
      const view = await pipeline.status(repo, args.run_id);
      if (view.running) quietSince = Date.now();
      else if (["applied", "failed", "cancelled"].includes(view.state)) return 0;
      // No phase runs and nothing has changed for a while: the run waits for a person (approve, the next phase).
      else if (Date.now() - quietSince >= FOLLOW_QUIET_MS) {
        if (!args.json) process.stderr.write(`${args.run_id} is ${view.state} and waits${view.next_step ? `; next: ${view.next_step}` : ""}\n`);
        return 0;
      }
      await new Promise((done) => setTimeout(done, 500));
    }
  },
});

const runs = defineCommand({
  meta: { name: "runs", description: "The repository's runs, newest first" },
  args: { repo: repoArg, limit: { type: "string", description: "At most this many (default 20)", valueHint: "N" }, json },
  async run({ args }) {
    const list = await pipeline.listRuns(await repoOf(args.repo), integerFlag("limit", args.limit, { min: 1, max: 1000 }, 20));
    emit(
      args.json,
      list,
      () => list.map((run) => `${run.run_id}  ${run.state.padEnd(9)} ${run.running ? `(${run.running}) ` : ""}${run.task}`).join("\n") || "no runs yet",
    );
    return 0;
  },
});

const cleanup = defineCommand({
  meta: { name: "cleanup", description: "Remove the worktrees of finished runs (or of one run), and with --older-than-days old run folders" },
  args: {
    run_id: { type: "positional", required: false, description: "Only this run", valueHint: "RUN_ID" },
    repo: repoArg,
    "older-than-days": { type: "string", description: "Also delete finished runs older than this", valueHint: "DAYS" },
    json,
  },
  async run({ args }) {
    const days = integerFlag("older-than-days", args["older-than-days"], { min: 0, max: 36_500 });
    const result = await pipeline.cleanup(await repoOf(args.repo), {
      ...(args.run_id && { runId: args.run_id }),
      ...(days !== undefined && { olderThanDays: days }),
    });
    emit(args.json, result, () => `removed ${result.worktrees_removed.length} worktree(s), ${result.runs_removed.length} run folder(s)`);
    return 0;
  },
});

const run = defineCommand({
  meta: {
    name: "run",
    description: "The whole loop for CI: plan, approve, write, test, review, fix rounds, apply; exit code 0 only when applied (or ready with --no-apply)",
  },
  args: {
    task: { type: "string", required: true, description: "The change to make", valueHint: "TEXT" },
    "auto-approve": { type: "boolean", description: "Approve the plan without asking (required)" },
    apply: { type: "boolean", default: true, description: "Apply to the checkout at the end (--no-apply stops when ready)" },
    "allow-agent-config": allowAgentConfigArg,
    repo: repoArg,
    mock: mockArg,
    standalone: standaloneArg,
    json,
  },
  async run({ args }) {
    if (!args["auto-approve"])
      throw new PatchbayError("usage", "patchbay run needs --auto-approve: it approves the plan without a person", {
        next: "add --auto-approve, or use plan/approve/write/... step by step",
      });
    const runners = runnersFor(args.standalone, Boolean(args.json));
    const repo = await repoOf(args.repo);
    const result = await withEnv(Boolean(args.json), !args.standalone, (env) =>
      pipeline.drive(
        repo,
        args.task,
        env,
        { mock: Boolean(args.mock), apply: args.apply !== false, allowAgentConfig: Boolean(args["allow-agent-config"]) },
        runners,
      ),
    );
    const { run: view, ...rest } = result;
    const cost = result.usage ? `\nusage: ${costLine(result.usage)}` : "";
    emit(args.json, rest, () => `${summary(view)}\noutcome: ${result.outcome}${result.error ? ` (${result.error.code}: ${result.error.message})` : ""}${cost}`);
    return result.outcome === "applied" || (result.outcome === "ready" && args.apply === false) ? 0 : 1;
  },
});

const init = defineCommand({
  meta: {
    name: "init",
    description: `Prepare a repository: write .ai/patchbay.example.toml (commit it) and git-ignore ${pipeline.IGNORED_ENTRIES.join(", ")}`,
  },
  args: { repo: repoArg, json },
  async run({ args }) {
    const result = await pipeline.initRepo(await repoOf(args.repo));
    emit(args.json, result, () =>
      [
        `${result.example.action} ${result.example.path}${result.example.action === "created" ? " (commit it; copy it to .ai/patchbay.toml to configure)" : ""}`,
        result.gitignore.added.length
          ? `added to .gitignore: ${result.gitignore.added.join(", ")}`
          : `.gitignore already ignores ${pipeline.IGNORED_ENTRIES.join(", ")}`,
        ...(result.warning ? [`warning: ${result.warning}`] : []),
      ].join("\n"),
    );
    return 0;
  },
});

const cancel = defineCommand({
  meta: { name: "cancel", description: "Cancel a run (final): a running phase is stopped, wherever it runs" },
  args: {
    run_id: runIdArg,
    repo: repoArg,
    wait: { type: "string", description: "Seconds to wait for a running phase to stop (default 30)", valueHint: "SECONDS" },
    json,
  },
  async run({ args }) {
    const repo = await repoOf(args.repo);
    const waitSeconds = integerFlag("wait", args.wait, { min: 0, max: 3600 }, 30);
    await withEnv(Boolean(args.json), false, (env) => pipeline.cancelRun(repo, args.run_id, env, { waitMs: waitSeconds * 1000 }));
    const view = await pipeline.status(repo, args.run_id);
    emit(args.json, view, () => summary(view));
    return 0;
  },
});

/** Each subcommand on its own, for mounting at the top level of `patchbay`. */
export const PIPELINE_COMMANDS = {
  plan,
  approve: phaseCommand("approve", "Approve a planned run (the human gate before write)", (runners) => (repo, id, env) => runners.approve(repo, id, env), {
    mock: false,
  }),
  write: phaseCommand("write", "The writer implements the approved plan in the run's worktree; FINAL.diff is checked", (runners) => runners.write),
  test: phaseCommand("test", "Run the allowlisted [phases.test] commands in the run's worktree", (runners) => (repo, id, env) => runners.test(repo, id, env), {
    mock: false,
  }),
  review: phaseCommand("review", "Read-only review: PASS or CHANGES_REQUESTED", (runners) => runners.review),
  fix: phaseCommand("fix", "One fix round for review findings and failing tests", (runners) => runners.fix),
  apply: phaseCommand("apply", "Apply FINAL.diff to the checkout (tests passed, review approved; no commit)", (runners) => runners.apply, {
    mock: false,
    agentConfig: true,
  }),
  status,
  diff,
  events,
  runs,
  cleanup,
  run,
  config: configCommand,
  init,
  cancel,
};

export default defineCommand({
  meta: { name: "pipeline", description: "The phase pipeline: plan → approve → write → test → review → fix → apply" },
  subCommands: PIPELINE_COMMANDS,
});
