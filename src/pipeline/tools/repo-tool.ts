/**
 * What the pipeline's tools share: the run's arguments, the answer with a run, the environment a
 * phase gets from a tool call, and `repoTool`, the one shape of a tool on a repository's runs.
 */
import * as v from "valibot";
import type { Capability } from "../../mcp/capability.ts";
import { defineTool, type Escalation, type ObjectSchema, type ToolContext, type ToolDeclaration, type ToolOutput } from "../../mcp/tool.ts";
import { usageLedger } from "../../usage/index.ts";
import { openWorkspace } from "../../workspace/index.ts";
import type { PipelineEnv } from "../agent.ts";
import { hasPipelineConfig } from "../doctor.ts";
import { runView, status } from "../queries.ts";
import type { RunRecord } from "../run-record.ts";

import { repoPathArg } from "../../mcp/tool-args.ts";

export const repoPath = repoPathArg;
export const runId = v.pipe(v.string(), v.regex(/^run_[0-9a-z_]+$/, "a run id such as run_lzq1x5c8a_1f3e9b"), v.description("From patchbay_plan."));
export const background = v.optional(v.pipe(v.boolean(), v.description("Return once the phase started (then patchbay_status).")));
export const mock = v.optional(v.pipe(v.boolean(), v.description("Use the mock provider (demos, tests).")));
export const runOutput = v.looseObject({ run_id: v.string(), state: v.string() });
export const anyOutput = v.looseObject({});

export const AGENT = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
export const LOCAL_WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
/** In standard and full; in the default worker mode too, for a repository that has a pipeline config (see ToolDeclaration.alsoByDefault). */
export const OFFERED = { modes: ["standard", "full"], alsoByDefault: hasPipelineConfig } as const;

export function envFor(context: ToolContext, withSignal: boolean): PipelineEnv {
  let sent = 0;
  return {
    home: context.app.home,
    config: context.app.config,
    redact: (text) => String(context.app.redact(text)),
    jobs: context.app.jobs,
    ledger: usageLedger(context.app.home, context.app.store),
    clientRef: context.session.clientRef,
    ...(withSignal && { signal: context.signal }),
    onProgress: (text) => void context.progress.report(++sent, undefined, text).catch(() => {}),
  };
}

export function line(record: RunRecord & { running?: string; next?: string }): string {
  const extra = [
    record.running && `running: ${record.running}`,
    record.next && `next: ${record.next}`,
    record.failure && `failure: ${record.failure.message}`,
  ].filter(Boolean);
  return `${record.run_id} ${record.state}${extra.length ? ` (${extra.join("; ")})` : ""}`;
}

export async function answer(record: RunRecord) {
  const view = await runView(record);
  return { text: line(view), structured: view as unknown as v.InferOutput<typeof runOutput> };
}

/** Runs a phase in the foreground, or starts it and returns once it holds the run's lock. */
export async function runPhase(
  context: ToolContext,
  repo: string,
  id: string,
  inBackground: boolean | undefined,
  start: (env: PipelineEnv) => Promise<RunRecord>,
) {
  if (!inBackground) return answer(await start(envFor(context, true)));
  await new Promise<void>((resolve, reject) => {
    const env = { ...envFor(context, false), onStarted: () => resolve() };
    start(env).catch(reject); // after onStarted, failures are in the run's events
  });
  return answer(await status(repo, id));
}

export type RepoArgs<I extends v.ObjectEntries> = v.InferOutput<v.StrictObjectSchema<I, undefined>>;

/** A pipeline tool besides what `repoTool` fills in. */
export interface RepoToolDeclaration<I extends v.ObjectEntries, O extends ObjectSchema> {
  name: string;
  title: string;
  description: string;
  /** Every argument, `repo_path` where the tool lists it. */
  input: I;
  output: O;
  annotations: ToolDeclaration["annotations"];
  capability: Capability;
  escalate?: Escalation<RepoArgs<I>>;
  run(repo: string, args: RepoArgs<I>, context: ToolContext): Promise<ToolOutput<v.InferOutput<O>>>;
}

/**
 * A tool on one repository's runs or pipeline config: the repository is resolved from
 * `repo_path` through the workspace guard; offered as OFFERED says, with its `ai_flow_*` alias.
 */
export function repoTool<I extends v.ObjectEntries, O extends ObjectSchema>({ input, run, ...declaration }: RepoToolDeclaration<I, O>): ToolDeclaration {
  return defineTool<v.StrictObjectSchema<I, undefined>, O>({
    ...declaration,
    input: v.strictObject(input),
    ...OFFERED,
    aliases: [{ name: declaration.name.replace(/^patchbay_/, "ai_flow_") }],
    async handler(args, context) {
      const repo = (await openWorkspace(context.session.scope, context.app, (args as { repo_path?: string }).repo_path)).root;
      return run(repo, args, context);
    },
  });
}

/** A read-only tool on a repository's runs; `repo_path` comes last. */
export const readTool = <I extends v.ObjectEntries>(
  name: string,
  title: string,
  description: string,
  input: I,
  run: RepoToolDeclaration<I & { repo_path: typeof repoPath }, typeof anyOutput>["run"],
) => repoTool({ name, title, description, input: { ...input, repo_path: repoPath }, output: anyOutput, annotations: READ, capability: "read", run });
