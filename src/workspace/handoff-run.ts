/**
 * Running a local agent on the current plan (`patchbay handoff execute|watch`): the command
 * template becomes an argv without a shell, the run holds the repository lock, and its status
 * and the resulting diff are recorded in `.ai-bridge/` for the chat that wrote the plan.
 */
import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { AGENTS, isBuiltinAgent } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { splitWords } from "./commands.ts";
import { headCommit, workingTreeDiff, type ChangedFile } from "./diffs.ts";
import { bridgePath, DIFF_FILE, PLAN_FILE, readHandoffStatus, writeBridgeFile, writeHandoffStatus, type HandoffRun } from "./handoff.ts";
import { AI_BRIDGE_DIR } from "./orientation.ts";
import { withRepoLock } from "./repo-lock.ts";
import type { Workspace } from "./workspace.ts";

/** The recorded patch is for people and agents to read back; beyond this it is cut. */
const MAX_PATCH_BYTES = 5_000_000;

/** A command template for `agent`, to show as the next step after writing a plan: the built-in agent's own, else a generic one. */
export function suggestedTemplate(agent: string): string {
  return (isBuiltinAgent(agent) ? AGENTS[agent].handoffTemplate : undefined) ?? `${agent} --task-file {{plan_file}}`;
}

/**
 * The template as argv: split like a shell would quote it (no shell runs it), then `{{plan_file}}`
 * and `{{root}}` replaced inside each word, so paths with spaces stay one argument.
 *
 * @example
 * renderTemplate("agent --task-file {{plan_file}}", { plan_file: "/r/.ai-bridge/current-plan.md", root: "/r" });
 * // ["agent", "--task-file", "/r/.ai-bridge/current-plan.md"]
 */
export function renderTemplate(template: string, values: { plan_file: string; root: string }): string[] {
  const argv = splitWords(template).map((word) => word.replaceAll("{{plan_file}}", values.plan_file).replaceAll("{{root}}", values.root));
  const unknown = argv.join(" ").match(/\{\{[^}]*\}\}/)?.[0];
  if (unknown)
    throw new PatchbayError("usage", `the command template uses ${unknown}; it knows {{plan_file}} and {{root}}`, {
      next: "use {{plan_file}} (the plan's absolute path) or {{root}}",
    });
  if (argv.length === 0)
    throw new PatchbayError("usage", "the command template is empty", { next: 'pass --command-template "agent --task-file {{plan_file}}"' });
  return argv;
}

export interface HandoffRunOptions {
  ws: Workspace;
  /** PATCHBAY_HOME, where the repository lock lives. */
  home: string;
  agent: string;
  template: string;
  /** Asked before the agent starts; false cancels the run. */
  confirm: (argv: string[]) => Promise<boolean>;
  /** Where the agent's stdout goes: the terminal, or stderr when stdout carries JSON. */
  agentStdout: "inherit" | "stderr";
  /** The agent's environment, from environmentForAgent (agents/index.ts): never patchbay's secrets. */
  env: Record<string, string>;
  redact: (text: string) => string;
}

export interface HandoffRunReport {
  agent: string;
  command: string[];
  exit_code: number | null;
  signal: string | null;
  started_at: string;
  finished_at: string;
  status_file: string;
  diff_file: string;
  files: ChangedFile[];
}

/**
 * Runs the handoff command in the foreground with the person's terminal (stdin and stderr
 * inherited), not as an agent turn: `runAgent` of src/agents is that, supervised and parsed.
 */
function runHandoffCommand(
  argv: string[],
  cwd: string,
  stdout: "inherit" | "stderr",
  env: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; missing: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["inherit", stdout === "stderr" ? 2 : "inherit", "inherit"] });
    child.on("error", (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, missing: error.code === "ENOENT" }));
    child.on("exit", (code, signal) => resolve({ code, signal, missing: false }));
  });
}

/** The plan's location and modification time, or undefined when there is no plan. */
async function currentPlan(ws: Workspace): Promise<{ absolute: string; mtimeMs: number } | undefined> {
  const plan = await bridgePath(ws, PLAN_FILE);
  if (!plan.exists) return undefined;
  return { absolute: plan.absolute, mtimeMs: (await stat(plan.absolute)).mtimeMs };
}

/**
 * Runs the agent once on the current plan and records the run in `.ai-bridge/handoff-status.json`
 * and the diff since the plan was written in `.ai-bridge/handoff-diff.patch`.
 */
export async function executeHandoff(options: HandoffRunOptions): Promise<HandoffRunReport> {
  const { ws, redact } = options;
  const plan = await currentPlan(ws);
  if (!plan) {
    throw new PatchbayError("handoff_no_plan", `${ws.root} has no ${AI_BRIDGE_DIR}/${PLAN_FILE}`, {
      next: "write one with codex_write_handoff, or `patchbay context apply --root DIR --file plan.md --agent NAME`",
    });
  }
  const argv = renderTemplate(options.template, { plan_file: plan.absolute, root: ws.root });
  if (!(await options.confirm(argv))) throw new PatchbayError("cancelled", "the handoff was not run", { next: "run it again and answer y, or pass --yes" });
  return withRepoLock(options.home, ws.root, { client_ref: "cli", tool: `handoff execute (${options.agent})` }, async () => {
    const status = (await readHandoffStatus(ws)) ?? { plan_file: `${AI_BRIDGE_DIR}/${PLAN_FILE}` };
    const base = status.base_head ?? (await headCommit(ws.root));
    const run: HandoffRun = { agent: options.agent, command: argv, started_at: new Date().toISOString(), plan_mtime_ms: plan.mtimeMs };
    // Written before the agent starts: a template carrying a secret is refused before anything runs.
    const statusFile = await writeHandoffStatus(ws, { ...status, base_head: base, run }, redact);
    const exit = await runHandoffCommand(argv, ws.root, options.agentStdout, options.env);
    const diff = await workingTreeDiff(ws.root, ws.blockedGlobs, base, MAX_PATCH_BYTES);
    // The patch is a record, not a write a chat asked for: secrets in it are masked rather than refused.
    const diffFile = await writeBridgeFile(ws, DIFF_FILE, redact(diff.diff), redact);
    const finished: HandoffRun = {
      ...run,
      finished_at: new Date().toISOString(),
      exit_code: exit.missing ? 127 : exit.code,
      signal: exit.signal,
      diff_file: diffFile,
      changed_files: diff.files.length,
    };
    await writeHandoffStatus(ws, { ...status, base_head: base, run: finished }, redact);
    if (exit.missing) throw new PatchbayError("agent_not_found", `${argv[0]} was not found`, { next: "install the agent or fix --command-template" });
    return {
      agent: options.agent,
      command: argv,
      exit_code: finished.exit_code ?? null,
      signal: exit.signal,
      started_at: run.started_at,
      finished_at: finished.finished_at!,
      status_file: statusFile,
      diff_file: diffFile,
      files: diff.files,
    };
  });
}

/**
 * Runs the agent whenever the plan differs from the one last run (its modification time is
 * polled every `intervalMs`); with `once`, returns after the first run.
 */
export async function watchHandoff(
  options: HandoffRunOptions & { once: boolean; intervalMs: number; onRun: (report: HandoffRunReport) => void; onBusy: (error: PatchbayError) => void },
): Promise<void> {
  for (;;) {
    const plan = await currentPlan(options.ws);
    const lastRun = (await readHandoffStatus(options.ws))?.run;
    if (plan && lastRun?.plan_mtime_ms !== plan.mtimeMs) {
      try {
        options.onRun(await executeHandoff(options));
        if (options.once) return;
      } catch (error) {
        // Someone else is changing the repository: try again on the next poll.
        if (!(error instanceof PatchbayError && error.code === "repo_busy")) throw error;
        options.onBusy(error);
      }
    }
    await new Promise((done) => setTimeout(done, options.intervalMs));
  }
}
