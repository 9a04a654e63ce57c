/**
 * One agent turn of a phase. Built-in providers run as jobs of the server's job runtime when
 * there is one (durable records, `patchbay job` visibility, cancellation); custom providers, an
 * executable or environment set per phase, and the CLI without a server run the same turn runner
 * the jobs use (`runAgentTurn`), without a job record. reasonix, which speaks ACP, has its own
 * client (reasonix.ts). Either way the turn's output is logged, redacted, in the run folder.
 */
import { randomUUID } from "node:crypto";
import { appendFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AgentAdapter,
  type AgentEvent,
  type AgentUsage,
  agentExecutable,
  childEnvironment,
  customAgent,
  envPolicy,
  isBuiltinAgent,
  resolveAdapter,
} from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { isTerminal, type JobKind, type JobRuntime, runAgentTurn } from "../jobs/index.ts";
import { homeLedger, openTurnAccount, type TurnAccount, turnSignal, type UsageLedger, type UsageOwner } from "../usage/index.ts";
import type { ResolvedPhase } from "./config.ts";
import { openPhaseLog } from "./phase-log.ts";
import { runReasonixWriter } from "./reasonix.ts";

export interface AgentTurnRequest {
  resolved: ResolvedPhase;
  prompt: string;
  cwd: string;
  access: "read_only" | "write";
  /** The run folder file the turn's output is appended to. */
  logFile: string;
  title: string;
  /** The run and phase its usage is accounted to (src/usage). */
  usageOwner?: UsageOwner;
  /** Called with the job id once a turn run as a job was submitted (so followers can watch it). */
  onJob?: (jobId: string) => Promise<unknown> | void;
}

export interface AgentTurnOutcome {
  ok: boolean;
  finalMessage: string;
  error?: string;
  exitCode?: number | null;
  usage?: AgentUsage;
  jobId?: string;
}

export interface PipelineEnv {
  home: string;
  config: Config;
  redact: (text: string) => string;
  /** The server's job runtime; absent in the CLI without a server. */
  jobs?: JobRuntime;
  /** The usage ledger: the server's, on its own store, or the one the CLI opened for its own phases (see phaseLedger). */
  ledger?: UsageLedger;
  signal?: AbortSignal;
  clientRef?: string;
  /** A short line for whoever watches the phase. */
  onProgress?: (text: string) => void;
  /** Called once the phase holds the run's lock (background phases return then). */
  onStarted?: () => void;
}

const JOB_KIND: Record<ResolvedPhase["phase"], JobKind> = { plan: "plan", write: "apply", review: "review", fix: "apply" };

export function adapterFor(resolved: ResolvedPhase, config: Config): AgentAdapter {
  if (resolved.custom) {
    const contract = resolved.custom.output_contract === "diff" ? "text" : resolved.custom.output_contract;
    return customAgent(resolved.provider, { ...resolved.custom, output_contract: contract, env: resolved.env });
  }
  return resolveAdapter(resolved.agent, config);
}

export async function runPhaseAgent(request: AgentTurnRequest, env: PipelineEnv): Promise<AgentTurnOutcome> {
  // reasonix speaks ACP, a conversation rather than an output stream: its own client runs it.
  if (request.resolved.agent === "reasonix")
    return runReasonixWriter(request, env, childEnvironment(envPolicy(env.config), { pass: REASONIX_ENV, set: request.resolved.env }));
  const adapter = adapterFor(request.resolved, env.config);
  const executable = request.resolved.executable ?? agentExecutable(adapter, env.config);
  const viaJobs =
    env.jobs &&
    isBuiltinAgent(adapter.name) &&
    !request.resolved.custom &&
    executable === agentExecutable(adapter, env.config) &&
    Object.keys(request.resolved.env).length === 0;
  return viaJobs ? runAsJob(request, env, env.jobs!) : runDirect(request, env, adapter, executable);
}

async function runAsJob(request: AgentTurnRequest, env: PipelineEnv, jobs: JobRuntime): Promise<AgentTurnOutcome> {
  const { resolved } = request;
  const job = await jobs.submit({
    kind: JOB_KIND[resolved.phase],
    agent: resolved.agent,
    prompt: request.prompt,
    // The worktree is a checkout of its own: the job runs there, not in the base repository.
    repo: request.cwd,
    access: request.access,
    ...(resolved.model && { model: resolved.model }),
    title: request.title,
    ...(env.clientRef && { clientRef: env.clientRef }),
    ...(request.usageOwner && { usageOwner: request.usageOwner }),
  });
  await Promise.resolve(request.onJob?.(job.id)).catch(() => {});
  let record = job;
  const onAbort = () => void jobs.cancel(job.id).catch(() => {});
  // A stop that came while the job was being submitted has already fired: an abort event never comes again.
  if (env.signal?.aborted) onAbort();
  else env.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (!isTerminal(record.state)) record = await jobs.wait(job.id, 60_000, { onProgress: (progress) => env.onProgress?.(progress.text) });
  } finally {
    env.signal?.removeEventListener("abort", onAbort);
  }
  const lines = record.events.map((event) => `${event.at} ${event.text}`).join("\n");
  await appendFile(request.logFile, `${env.redact(lines)}\n`);
  const result = record.result;
  return {
    ok: record.state === "succeeded",
    finalMessage: result?.final_message ?? "",
    ...(result?.error && { error: result.error }),
    exitCode: record.exit?.code ?? null,
    ...(result?.usage && { usage: result.usage }),
    jobId: job.id,
  };
}

/** reasonix's own variables; a provider key it reads from another variable needs security.allowed_env_keys. */
const REASONIX_ENV = ["REASONIX_*", "DEEPSEEK_*"];

async function runDirect(request: AgentTurnRequest, env: PipelineEnv, adapter: AgentAdapter, executable: string): Promise<AgentTurnOutcome> {
  let message = "";
  const log = openPhaseLog(request.logFile, env.redact, adapter.quietLine);
  const progress = phaseProgress(env);
  const account = await directAccount(request, env, adapter.name);
  const signal = turnSignal(account, env.signal);
  const onEvent = (event: AgentEvent) => {
    if (event.type === "message") message = event.text;
    if (event.type === "usage") account.observe(event.usage);
    progress(event);
  };
  const scratchDir = await mkdtemp(join(tmpdir(), "patchbay-phase-"));
  const outcome = await runAgentTurn({
    adapter,
    executable,
    turn: { prompt: request.prompt, access: request.access, ...(request.resolved.model && { model: request.resolved.model }) },
    cwd: request.cwd,
    scratchDir,
    config: env.config,
    redact: env.redact,
    set: request.resolved.env,
    ...(request.resolved.timeoutMs !== undefined && { timeoutMs: request.resolved.timeoutMs }),
    // The phases compare the tree themselves (phases.ts), with their own exclusions.
    checkReadOnly: false,
    ...(signal && { signal }),
    onEvent,
    onOutput: (stream, chunk) => log.write(stream, chunk),
  });
  await log.close();
  const { result } = outcome;
  const usage = result.usage ?? outcome.tally.usage()?.usage;
  await account.close(usage);
  const error = account.stopReason() ?? outcome.error;
  return {
    ok: result.status === "succeeded" && !account.stopReason(),
    finalMessage: result.finalMessage ?? message,
    ...(error && { error }),
    exitCode: outcome.exit.code,
    ...(usage && { usage }),
  };
}

/** The ledgers of environments that brought none: one per environment, so its phases share one store. */
const ledgersOfEnvs = new WeakMap<PipelineEnv, UsageLedger>();

/**
 * The ledger a phase accounts to: the environment's (the server's, on the store it already holds,
 * or the one the CLI opened and closes), else the configured one, opened once per environment.
 */
export function phaseLedger(env: PipelineEnv): UsageLedger {
  if (env.ledger) return env.ledger;
  let ledger = ledgersOfEnvs.get(env);
  if (!ledger) ledgersOfEnvs.set(env, (ledger = homeLedger(env.home, env.config)));
  return ledger;
}

/**
 * The usage account of a turn run without a job record (runDirect, the reasonix writer): budgets
 * checked before it starts, its entry written when it ends, in the phase's ledger.
 */
export async function directAccount(request: AgentTurnRequest, env: PipelineEnv, agent: string): Promise<TurnAccount> {
  const { model } = request.resolved;
  const owner = request.usageOwner;
  return openTurnAccount({
    ledger: phaseLedger(env),
    config: env.config,
    id: `turn_${randomUUID()}`,
    agent,
    ...(model && { model }),
    repo: request.cwd,
    ...(owner && { owner }),
    startedAt: Date.now(),
  });
}

/** Progress lines of a turn the phase runs itself: what the agent said, ran and changed, redacted. */
export function phaseProgress(env: PipelineEnv): (event: AgentEvent) => void {
  return (event) => {
    if (event.type === "message" || event.type === "command" || event.type === "file_change") env.onProgress?.(env.redact(describe(event)));
  };
}

function describe(event: AgentEvent): string {
  if (event.type === "message") return event.text.split("\n")[0]!.slice(0, 200);
  if (event.type === "command") return `command ${event.status}: ${event.command.slice(0, 200)}`;
  if (event.type === "file_change") return `${event.kind} ${event.path}`;
  return event.type;
}
