/**
 * The pipeline's MCP tools, `patchbay_*`, with `ai_flow_*` aliases in full mode. Agent phases run
 * their turns as jobs of the server's runtime; a call waits for its phase (progress as MCP
 * progress notifications) unless `background` is set, and returns the run.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool, type Escalation, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import type { Capability } from "../../mcp/capability.ts";
import { openWorkspace } from "../../workspace/index.ts";
import type { PipelineEnv } from "../agent.ts";
import { AGENT_PHASES, OUTPUT_CONTRACT_NAMES, PROVIDER_PROMPT_MODES } from "../config-schema.ts";
import { addCliProvider, addTestCommand, type ConfigEdit, type ConfigEditor, setCommand, setPhase } from "../config-edit.ts";
import { describePipelineConfig, loadPipelineConfig } from "../config.ts";
import { hasPipelineConfig } from "../doctor.ts";
import { isTrusted } from "../trust.ts";
import { apply, approve, fix, plan, replan, review, test, write } from "../phases.ts";
import { listRuns, runDiff, runView, status } from "../queries.ts";
import { newRunId, PHASES, readArtifact, readRunEvents, type RunRecord } from "../run-record.ts";

const repoPath = v.optional(v.pipe(v.string(), v.description("Repository directory; defaults to the session's repository.")));
const runId = v.pipe(v.string(), v.regex(/^run_[0-9a-z_]+$/, "a run id such as run_lzq1x5c8a_1f3e9b"), v.description("The run, as patchbay_plan returned it."));
const background = v.optional(v.pipe(v.boolean(), v.description("Return as soon as the phase started; follow it with patchbay_status or patchbay_events.")));
const mock = v.optional(v.pipe(v.boolean(), v.description("Use the deterministic mock provider for this phase (demos and tests).")));
const runOutput = v.looseObject({ run_id: v.string(), state: v.string() });
const anyOutput = v.looseObject({});

const AGENT = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const LOCAL_WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
/** In standard and full; in the default worker mode too, for a repository that has a pipeline config (see ToolDeclaration.alsoByDefault). */
const OFFERED = { modes: ["standard", "full"], alsoByDefault: hasPipelineConfig } as const;

function envFor(context: ToolContext, withSignal: boolean): PipelineEnv {
  let sent = 0;
  return {
    home: context.app.home,
    config: context.app.config,
    redact: (text) => String(context.app.redact(text)),
    jobs: context.app.jobs,
    clientRef: context.session.clientRef,
    ...(withSignal && { signal: context.signal }),
    onProgress: (text) => void context.progress.report(++sent, undefined, text).catch(() => {}),
  };
}

function line(record: RunRecord & { running?: string; next?: string }): string {
  const extra = [
    record.running && `running: ${record.running}`,
    record.next && `next: ${record.next}`,
    record.failure && `failure: ${record.failure.message}`,
  ].filter(Boolean);
  return `${record.run_id} ${record.state}${extra.length ? ` (${extra.join("; ")})` : ""}`;
}

async function answer(record: RunRecord) {
  const view = await runView(record);
  return { text: line(view), structured: view as unknown as v.InferOutput<typeof runOutput> };
}

/** Runs a phase in the foreground, or starts it and returns once it holds the run's lock. */
async function runPhase(context: ToolContext, repo: string, id: string, inBackground: boolean | undefined, start: (env: PipelineEnv) => Promise<RunRecord>) {
  if (!inBackground) return answer(await start(envFor(context, true)));
  await new Promise<void>((resolve, reject) => {
    const env = { ...envFor(context, false), onStarted: () => resolve() };
    start(env).catch(reject); // after onStarted, failures are in the run's events
  });
  return answer(await status(repo, id));
}

const phaseTool = (
  name: string,
  title: string,
  description: string,
  phase: (repo: string, id: string, env: PipelineEnv, options: { mock?: boolean }) => Promise<RunRecord>,
) =>
  defineTool({
    name,
    title,
    description,
    input: v.strictObject({ run_id: runId, repo_path: repoPath, background, mock }),
    output: runOutput,
    annotations: AGENT,
    capability: "write_worktree",
    ...OFFERED,
    aliases: [{ name: name.replace(/^patchbay_/, "ai_flow_") }],
    async handler(args, context) {
      const repo = (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
      return runPhase(context, repo, args.run_id, args.background, (env) => phase(repo, args.run_id, env, { mock: args.mock }));
    },
  });

const planTool = defineTool({
  name: "patchbay_plan",
  title: "Plan a change",
  description:
    "Start a pipeline run: the planner (read-only) writes PLAN.md for the task. Next: a person approves it with patchbay_approve. With run_id instead of task, runs the planner again for a run whose plan did not finish (state new).",
  input: v.strictObject({
    task: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200_000), v.description("The change to make (a new run)."))),
    run_id: v.optional(v.pipe(runId, v.description("Instead of task: the run whose plan failed or was interrupted, to plan again."))),
    repo_path: repoPath,
    background,
    mock,
  }),
  output: runOutput,
  annotations: AGENT,
  capability: "write_worktree",
  ...OFFERED,
  aliases: [{ name: "ai_flow_plan" }],
  async handler(args, context) {
    if ((args.task === undefined) === (args.run_id === undefined))
      throw new PatchbayError("invalid_arguments", "patchbay_plan: pass task (a new run) or run_id (plan that run again), not both or neither", {
        next: "call it again with one of them",
      });
    const repo = (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
    // A new run's id is chosen here, so a background plan can answer with it at once.
    const id = args.run_id ?? newRunId();
    const { task } = args;
    return runPhase(context, repo, id, args.background, (env) =>
      task === undefined ? replan(repo, id, env, { mock: args.mock }) : plan(repo, task, env, { mock: args.mock, runId: id }),
    );
  },
});

const approveTool = defineTool({
  name: "patchbay_approve",
  title: "Approve a plan",
  description: "The human gate: approve a planned run so its writer may run. Only call this when the person said so.",
  input: v.strictObject({ run_id: runId, repo_path: repoPath }),
  output: runOutput,
  annotations: LOCAL_WRITE,
  capability: "record",
  ...OFFERED,
  aliases: [{ name: "ai_flow_approve" }],
  async handler(args, context) {
    const repo = (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
    return answer(await approve(repo, args.run_id, envFor(context, true)));
  },
});

const writeTool = phaseTool(
  "patchbay_write",
  "Write the patch",
  "The writer implements the approved plan in the run's own worktree; its change becomes FINAL.diff, checked by the patch safety rules. Refuses an unapproved run.",
  write,
);
const testTool = phaseTool(
  "patchbay_test",
  "Test the patch",
  "Runs the allowlisted [phases.test] commands in the run's worktree; logs under test/.",
  (repo, id, env) => test(repo, id, env),
);
const reviewTool = phaseTool(
  "patchbay_review",
  "Review the patch",
  "The reviewer reads the patch read-only and answers PASS or CHANGES_REQUESTED; a reviewer that changes the worktree fails the run.",
  review,
);
const fixTool = phaseTool(
  "patchbay_fix",
  "Fix the patch",
  "One fix round for review findings and failing tests (bounded by workflow.max_fix_rounds); then test and review again.",
  fix,
);

const applyTool = defineTool({
  name: "patchbay_apply",
  title: "Apply the patch",
  description:
    "Applies FINAL.diff to the base checkout (no commit) once the tests passed and the review approved. Takes the repository lock. Only call this when the person said so.",
  input: v.strictObject({ run_id: runId, repo_path: repoPath }),
  output: runOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  capability: "integrate",
  ...OFFERED,
  aliases: [{ name: "ai_flow_apply" }],
  async handler(args, context) {
    const repo = (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
    return answer(await apply(repo, args.run_id, envFor(context, true)));
  },
});

type RepoToolRun<I extends v.ObjectEntries> = (
  repo: string,
  args: v.InferOutput<v.StrictObjectSchema<I, undefined>>,
  context: ToolContext,
) => Promise<{ text: string; structured: Record<string, unknown> }>;

/** How a repository tool is declared besides its input and handler. */
interface RepoToolShape {
  annotations: typeof READ | typeof LOCAL_WRITE;
  capability: Capability;
  escalate?: Escalation<Record<string, unknown>>;
}

/** A tool that works on one repository's pipeline folder: the repo is resolved through the workspace guard. */
const repoTool = <I extends v.ObjectEntries>(name: string, title: string, description: string, input: I, shape: RepoToolShape, run: RepoToolRun<I>) =>
  defineTool({
    name,
    title,
    description,
    input: v.strictObject({ ...input, repo_path: repoPath }),
    output: anyOutput,
    ...shape,
    ...OFFERED,
    aliases: [{ name: name.replace(/^patchbay_/, "ai_flow_") }],
    async handler(args, context) {
      const repo = (await openWorkspace(context.session.scope, context.app, (args as { repo_path?: string }).repo_path)).root;
      return run(repo, args as v.InferOutput<v.StrictObjectSchema<I, undefined>>, context);
    },
  });

const readTool = <I extends v.ObjectEntries>(name: string, title: string, description: string, input: I, run: RepoToolRun<I>) =>
  repoTool(name, title, description, input, { annotations: READ, capability: "read" }, run);

const statusTool = readTool(
  "patchbay_status",
  "Run status",
  "A run's state, what runs now, what to do next, its artifacts, tests and review.",
  { run_id: runId },
  async (repo, args) => {
    const view = await status(repo, args.run_id);
    return { text: line(view), structured: view as unknown as Record<string, unknown> };
  },
);

const eventsTool = readTool(
  "patchbay_events",
  "Run events",
  "The run's events.jsonl: each phase's start and end with provider, model, duration, exit status and usage. `since` is the index to read from; `next` continues.",
  {
    run_id: runId,
    since: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    phase: v.optional(v.picklist(PHASES)),
  },
  async (repo, args) => {
    const result = await readRunEvents(repo, args.run_id, { ...(args.since !== undefined && { since: args.since }), ...(args.phase && { phase: args.phase }) });
    const lines = result.events.map((event) => `${event.timestamp} ${event.phase} ${event.action}${event.detail ? `: ${event.detail}` : ""}`);
    if (result.skipped_lines > 0) lines.push(`(${result.skipped_lines} unreadable line(s) of events.jsonl skipped)`);
    return { text: lines.join("\n") || "no events", structured: result as unknown as Record<string, unknown> };
  },
);

const runsTool = readTool(
  "patchbay_runs",
  "Runs",
  "The repository's pipeline runs, newest first.",
  { limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200))) },
  async (repo, args) => {
    const runs = await listRuns(repo, args.limit);
    return { text: runs.map((run) => `${run.run_id} ${run.state} ${run.task}`).join("\n") || "no runs", structured: { runs } };
  },
);

const artifactTool = readTool(
  "patchbay_artifact",
  "Run artifact",
  "One file of the run folder (PLAN.md, WRITE.md, FINAL.diff, REVIEW.md, FIX-1.md, test/…, logs/…), optionally its last lines.",
  {
    run_id: runId,
    artifact: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
    tail: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  },
  async (repo, args) => {
    await status(repo, args.run_id);
    const content = await readArtifact(repo, args.run_id, args.artifact, args.tail);
    return { text: content, structured: { run_id: args.run_id, artifact: args.artifact, content } };
  },
);

const diffTool = readTool("patchbay_diff", "Run diff", "The run's FINAL.diff.", { run_id: runId }, async (repo, args) => {
  const diff = await runDiff(repo, args.run_id);
  return { text: diff || "(no diff yet)", structured: { run_id: args.run_id, diff } };
});

const configShowTool = readTool(
  "patchbay_config_show",
  "Pipeline config",
  "The resolved .ai/patchbay.toml: each phase's provider, model and executable (or the error to fix), test commands, providers, workflow, and whether the operator trusted what it runs (phases refuse until then).",
  {},
  async (repo, _args, context) => {
    const loaded = await loadPipelineConfig(repo);
    const view = { ...describePipelineConfig(loaded, context.app.config), trusted: await isTrusted(context.app.home, repo, loaded) };
    return { text: JSON.stringify(view, null, 2), structured: view };
  },
);

/**
 * A config edit: changes .ai/patchbay.toml, then answers with the resolved config. A session that
 * holds `exec` keeps the operator's trust in the file; any other edit that changes what runs
 * leaves the file untrusted until the operator trusts it (`patchbay config trust`).
 */
const configTool = <I extends v.ObjectEntries>(
  name: string,
  title: string,
  description: string,
  input: I,
  shape: Omit<RepoToolShape, "annotations">,
  change: (repo: string, editor: ConfigEditor, args: v.InferOutput<v.StrictObjectSchema<I, undefined>>) => Promise<ConfigEdit>,
) =>
  repoTool(name, title, description, input, { annotations: LOCAL_WRITE, ...shape }, async (repo, args, context) => {
    const editor: ConfigEditor = { home: context.app.home, by: context.session.clientRef, mayTrust: context.session.scope.power.bashMode === "full" };
    const edit = await change(repo, editor, args);
    const trust = edit.trusted
      ? ""
      : " It now sets commands the operator has not trusted: phases refuse to run until the operator runs `patchbay config trust` in a terminal.";
    return { text: `saved .ai/patchbay.toml.${trust}`, structured: { ...describePipelineConfig(edit.loaded, context.app.config), trusted: edit.trusted } };
  });

const phaseSetTool = configTool(
  "patchbay_config_phase_set",
  "Set a phase's provider",
  "Binds a phase (plan, write, review, fix) to a provider and optional model in .ai/patchbay.toml. Pointing it at a [commands] key (command_key) chooses what runs and needs the exec capability.",
  {
    phase: v.picklist(AGENT_PHASES),
    provider: v.pipe(v.string(), v.minLength(1)),
    model: v.optional(v.string()),
    command_key: v.optional(v.string()),
  },
  { capability: "configure", escalate: { capability: "exec", when: "command_key", applies: (args) => args.command_key !== undefined } },
  (repo, editor, args) =>
    setPhase(repo, editor, args.phase, {
      provider: args.provider,
      ...(args.model && { model: args.model }),
      ...(args.command_key && { command_key: args.command_key }),
    }),
);

const commandSetTool = configTool(
  "patchbay_config_command_set",
  "Set an executable",
  "Sets [commands].<key> (codex, claude, gemini, reasonix, or a key a phase's command_key names): chooses a program patchbay runs, so it needs the exec capability.",
  {
    key: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,31}$/)),
    command: v.pipe(v.string(), v.minLength(1)),
  },
  { capability: "exec" },
  (repo, editor, args) => setCommand(repo, editor, args.key, args.command),
);

const testAddTool = configTool(
  "patchbay_config_test_add",
  "Allow a test command",
  "Adds a command line to [phases.test].commands, the only commands the test phase runs: chooses a program patchbay runs, so it needs the exec capability.",
  {
    command: v.pipe(v.string(), v.minLength(1), v.maxLength(1000)),
  },
  { capability: "exec" },
  (repo, editor, args) => addTestCommand(repo, editor, args.command),
);

const providerAddTool = configTool(
  "patchbay_config_provider_add_cli",
  "Add a CLI provider",
  "Defines [providers.<id>]: a command-line agent with roles, args ({{prompt}}, {{prompt_file}}, {{cwd}}, {{model}}), prompt mode and output contract. Chooses a program patchbay runs, so it needs the exec capability.",
  {
    provider_id: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,31}$/)),
    roles: v.pipe(v.array(v.picklist(AGENT_PHASES)), v.minLength(1)),
    command: v.pipe(v.string(), v.minLength(1)),
    args: v.optional(v.array(v.string())),
    prompt_mode: v.optional(v.picklist(PROVIDER_PROMPT_MODES)),
    output_contract: v.pipe(
      v.picklist(OUTPUT_CONTRACT_NAMES),
      v.description("text, json, jsonl or diff; the original's writer_diff, worktree_diff, plan_json and review_verdict are read as diff, text, text, text."),
    ),
  },
  { capability: "exec" },
  (repo, editor, args) =>
    addCliProvider(repo, editor, args.provider_id, {
      roles: args.roles,
      command: args.command,
      args: args.args ?? [],
      prompt_mode: args.prompt_mode ?? "stdin",
      output_contract: args.output_contract,
    }),
);

export const PIPELINE_TOOLS: readonly ToolDeclaration[] = [
  planTool,
  approveTool,
  writeTool,
  testTool,
  reviewTool,
  fixTool,
  statusTool,
  eventsTool,
  runsTool,
  artifactTool,
  configShowTool,
  phaseSetTool,
  commandSetTool,
  testAddTool,
  providerAddTool,
  diffTool,
  applyTool,
];
