import { userInfo } from "node:os";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { ensureServer } from "../server/index.ts";
import { costLine, type UsageTotals } from "../usage/index.ts";
import { integerFlag } from "./integer-flag.ts";
import { emit } from "./output.ts";
import { callServerTool, INTEGRATE_TIMEOUT_MS, repoScope, withExec } from "./server-call.ts";

interface WorkerView {
  worker_id: string;
  name: string;
  agent: string;
  workspace_mode: string;
  state: string;
  repo: string;
  report?: string;
  changed_files?: string[];
  worktree?: { path: string; branch: string };
}

/** One owner for every CLI call of this user, so a script can message the workers it started. */
function cliClientRef(): string {
  const name =
    userInfo()
      .username.toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .slice(0, 36) || "user";
  return `cli_${name}`;
}

/** Runs a worker tool on the server for a session scoped to `repo`; `exec` lets the call run the repository's test commands. */
async function callTool<T>(tool: string, repo: string, args: Record<string, unknown>, options: { timeoutMs?: number; exec?: boolean } = {}): Promise<T> {
  const scope = options.exec ? withExec(repoScope(repo)) : repoScope(repo);
  const { value } = await callServerTool<T>(await ensureServer(patchbayHome()), { tool, args, scope, client_ref: cliClientRef() }, options.timeoutMs ?? 60_000);
  return value;
}

function line(view: WorkerView): string {
  const lines = [`${view.name} (${view.worker_id}) ${view.state}: ${view.agent}, ${view.workspace_mode}, in ${view.worktree?.path ?? view.repo}`];
  if (view.changed_files?.length) lines.push(`changed: ${view.changed_files.join(", ")}`);
  if (view.report) lines.push("", view.report);
  return lines.join("\n");
}

/** A record's values as prose: a flag by its name (`tracked`, `not tracked`), nothing for an empty value. */
function recordProse(record: object): string {
  const texts = Object.values(record).filter((value): value is string => typeof value === "string");
  // A list the record's own text already names in full (a refusal's files after its message) is said once.
  const said = (value: unknown) => Array.isArray(value) && value.length > 0 && value.every((item) => texts.some((text) => text.includes(String(item))));
  return Object.entries(record)
    .filter(([, value]) => value !== null && value !== undefined && value !== "" && !said(value))
    .map(([key, value]) => (typeof value === "boolean" ? `${value ? "" : "not "}${key.replaceAll("_", " ")}` : prose(value)))
    .join(" ");
}

/** One value of an inspect view as prose: lists joined, records as their values, nothing for empty ones. */
function prose(value: unknown): string {
  // Records one per line; plain values on one line, comma-separated.
  if (Array.isArray(value))
    return value
      .map((item) => (typeof item === "object" && item !== null ? `\n  - ${recordProse(item)}` : `, ${prose(item)}`))
      .join("")
      .replace(/^, /, "");
  if (typeof value === "object" && value !== null) return recordProse(value);
  return String(value);
}

/** An inspect view's details under the worker's line, without the report the line already holds. */
function detailLines(details: Record<string, unknown>): string[] {
  return Object.entries(details)
    .filter(([key, value]) => key !== "report" && value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) =>
      key === "usage" ? `usage: ${costLine(value as UsageTotals)}` : `${key.replaceAll("_", " ")}: ${prose(value)}`.replace(/: \n/, ":\n"),
    );
}

/** Waits (30 s at a time) until the worker's turn ended. */
async function waitFor(repo: string, worker: string): Promise<WorkerView> {
  for (;;) {
    const { worker: view } = await callTool<{ worker: WorkerView }>("codex_worker_inspect", repo, { worker, view: "status", wait_seconds: 30 });
    if (view.state !== "running" && view.state !== "starting") return view;
  }
}

const common = {
  repo: { type: "string", description: "Repository (default: the current directory)", valueHint: "DIR" },
  json: { type: "boolean", description: "Print as JSON" },
} as const;
const takeover = {
  takeover: { type: "boolean", description: "Change a worker another session owns" },
  reason: { type: "string", description: "Why you take over (recorded; required with --takeover)", valueHint: "TEXT" },
} as const;
const turn = {
  model: { type: "string", description: "Model for the agent", valueHint: "MODEL" },
  effort: { type: "string", description: "Reasoning effort: minimal, low, medium, high, xhigh", valueHint: "LEVEL" },
  context: { type: "string", description: "Peer workers (comma-separated names) whose work the agent gets as context", valueHint: "NAMES" },
  detail: { type: "string", description: "Peer context detail: report, changes or diff", valueHint: "DETAIL" },
  wait: { type: "boolean", description: "Wait for the turn to end" },
} as const;

const repoOf = (repo: string | undefined) => resolve(repo ?? process.cwd());
const takeoverArgs = (args: { takeover?: boolean; reason?: string }) => ({
  ...(args.takeover && { takeover: true }),
  ...(args.reason && { takeover_reason: args.reason }),
});
const turnArgs = (args: { model?: string; effort?: string; context?: string; detail?: string }) => ({
  ...(args.model && { model: args.model }),
  ...(args.effort && { reasoning_effort: args.effort }),
  ...(args.context && {
    context_from_workers: args.context
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  }),
  ...(args.detail && { context_detail: args.detail }),
});

const start = defineCommand({
  meta: { name: "start", description: "Start a named worker with a brief" },
  args: {
    name: { type: "positional", required: true, description: "The worker's name", valueHint: "NAME" },
    brief: { type: "positional", required: true, description: "What it should do" },
    agent: { type: "string", default: "codex", description: "codex, claude, gemini, mock, or an [agents.custom] id", valueHint: "NAME" },
    mode: { type: "string", default: "isolated_write", description: "isolated_write, read_only or shared_write", valueHint: "MODE" },
    ...turn,
    ...common,
  },
  async run({ args }) {
    const repo = repoOf(args.repo);
    let view = await callTool<WorkerView>("codex_worker_start", repo, {
      name: args.name,
      brief: args.brief,
      repo_path: repo,
      agent: args.agent,
      workspace_mode: args.mode,
      ...turnArgs(args),
    });
    if (args.wait) view = await waitFor(repo, view.worker_id);
    emit(args.json, view, () => line(view));
    return view.state === "failed" ? 1 : 0;
  },
});

const message = defineCommand({
  meta: { name: "message", description: "Send a worker its next instruction (continues its session)" },
  args: {
    worker: { type: "positional", required: true, description: "Name or id", valueHint: "WORKER" },
    message: { type: "positional", required: true, description: "The instruction" },
    rebase: { type: "boolean", description: "Move the worker's worktree onto the checkout's current HEAD first (conflicts are left marked for the agent)" },
    ...turn,
    ...takeover,
    ...common,
  },
  async run({ args }) {
    const repo = repoOf(args.repo);
    let view = await callTool<WorkerView>("codex_worker_message", repo, {
      worker: args.worker,
      message: args.message,
      repo_path: repo,
      ...(args.rebase && { rebase: true }),
      ...turnArgs(args),
      ...takeoverArgs(args),
    });
    if (args.wait) view = await waitFor(repo, view.worker_id);
    emit(args.json, view, () => line(view));
    return view.state === "failed" ? 1 : 0;
  },
});

const list = defineCommand({
  meta: { name: "list", description: "The workers of a repository and a team report" },
  args: { all: { type: "boolean", description: "Include stopped workers" }, active: { type: "boolean", description: "Only running workers" }, ...common },
  async run({ args }) {
    const repo = repoOf(args.repo);
    const result = await callTool<{ workers: WorkerView[]; team_report: string; filtered_out: number }>("codex_worker_list", repo, {
      repo_path: repo,
      ...(args.all && { include_stopped: true }),
      ...(args.active && { active_only: true }),
    });
    // An empty list says what the filters left out (counted from the worker index), so stopped workers never read as "none yet".
    const hidden = result.workers.length ? 0 : result.filtered_out;
    emit(args.json, result, () => {
      if (result.workers.length) return result.team_report;
      if (!hidden) return "No workers yet: start one with `patchbay worker start NAME BRIEF`";
      if (args.active) return `No running workers; ${hidden} not running (\`patchbay worker list${args.all ? " --all" : ""}\` shows them)`;
      return `No active workers; ${hidden} stopped (\`patchbay worker list --all\` shows them)`;
    });
    return 0;
  },
});

const inspect = defineCommand({
  meta: { name: "inspect", description: "A worker's report, status, changes, a diff, a file, or the integration preview" },
  args: {
    worker: { type: "positional", required: true, description: "Name or id", valueHint: "WORKER" },
    view: { type: "string", default: "report", description: "report, status, changes, diff, file or integration_preview", valueHint: "VIEW" },
    file: { type: "string", description: "For diff and file", valueHint: "PATH" },
    wait: { type: "string", description: "Seconds to wait for a running turn (at most 30)", valueHint: "S" },
    ...common,
  },
  async run({ args }) {
    const repo = repoOf(args.repo);
    const result = await callTool<{ details: Record<string, unknown>; worker: WorkerView }>("codex_worker_inspect", repo, {
      worker: args.worker,
      repo_path: repo,
      view: args.view,
      ...(args.file && { file_path: args.file }),
      ...(args.wait !== undefined && { wait_seconds: integerFlag("wait", args.wait, { min: 0, max: 30 }) }),
    });
    emit(args.json, result, () =>
      typeof result.details.diff === "string"
        ? result.details.diff
        : typeof result.details.content === "string"
          ? result.details.content
          : [line(result.worker), ...detailLines(result.details)].join("\n"),
    );
    return 0;
  },
});

interface Landed {
  name: string;
  files: string[];
  tests?: { commands: Array<{ command: string; exit_code: number | null; duration_ms: number }>; log: string };
  commit?: string;
}

/** One landed worker as the terminal shows it. */
function landedText(landed: Landed): string {
  const tests = landed.tests
    ? `\n  tests passed: ${landed.tests.commands.map((run) => `${run.command} (${run.duration_ms} ms)`).join(", ")}; log ${landed.tests.log}`
    : "";
  return `${landed.name}: ${landed.files.join(", ")}${landed.commit ? ` (committed ${landed.commit.slice(0, 12)})` : ""}${tests}`;
}

const integrate = defineCommand({
  meta: {
    name: "integrate",
    description: "Apply isolated workers' changes to the checkout, one after another (no commit unless --commit); --run-tests tests each first",
  },
  args: {
    worker: { type: "positional", required: false, description: "Name or id; several separated by commas land in that order", valueHint: "WORKER" },
    "all-ready": { type: "boolean", description: "Land every idle worker of yours whose change applies now, oldest first" },
    "run-tests": {
      type: "boolean",
      description: "Test in a scratch worktree first ([phases.test] commands of a trusted .ai/patchbay.toml); default: workers.integrate_requires_tests",
    },
    commit: { type: "string", description: "Commit what lands, with this message (one commit per worker)", valueHint: "MESSAGE" },
    "allow-dirty-base": { type: "boolean", description: "Integrate into a checkout with uncommitted changes" },
    "allow-agent-config": {
      type: "boolean",
      description: "Also land changes to configuration that runs programs (.claude/, .mcp.json, git hooks, …); read their diff first",
    },
    ...takeover,
    ...common,
  },
  async run({ args }) {
    const repo = repoOf(args.repo);
    const names = (args.worker ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean);
    if (names.length === 0 && !args["all-ready"]) throw new PatchbayError("usage", "name the worker to integrate (several: a,b,c), or pass --all-ready");
    const result = await callTool<{
      files: string[];
      skipped_files: string[];
      base_moved: boolean;
      landed: Landed[];
      stopped?: { name: string; code: string; message: string };
      not_tried: string[];
    }>(
      "codex_worker_integrate",
      repo,
      {
        ...(names.length === 1 && { worker: names[0] }),
        ...(names.length > 1 && { workers: names }),
        ...(args["all-ready"] && { all_ready: true }),
        repo_path: repo,
        ...(args["allow-dirty-base"] && { allow_dirty_base: true }),
        ...(args["allow-agent-config"] && { allow_agent_config: true }),
        ...(args["run-tests"] !== undefined && { run_tests: args["run-tests"] }),
        ...(args.commit && { commit: true, message: args.commit }),
        ...takeoverArgs(args),
      },
      { timeoutMs: INTEGRATE_TIMEOUT_MS, exec: true },
    );
    emit(args.json, result, () =>
      [
        result.landed.length ? `applied:\n${result.landed.map((landed) => `- ${landedText(landed)}`).join("\n")}` : "nothing applied",
        result.skipped_files.length ? `skipped: ${result.skipped_files.join(", ")}` : "",
        result.base_moved ? "the base moved since a worker started" : "",
        result.stopped ? `stopped at ${result.stopped.name} (${result.stopped.code}): ${result.stopped.message}` : "",
        result.not_tried.length ? `not tried: ${result.not_tried.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
    return result.stopped ? 1 : 0;
  },
});

const stop = defineCommand({
  meta: { name: "stop", description: "Stop a worker; --cleanup also removes its worktree and branch" },
  args: {
    worker: { type: "positional", required: true, description: "Name or id", valueHint: "WORKER" },
    cleanup: { type: "boolean", description: "Remove the worktree and branch" },
    ...takeover,
    ...common,
  },
  async run({ args }) {
    const repo = repoOf(args.repo);
    const view = await callTool<WorkerView>("codex_worker_stop", repo, {
      worker: args.worker,
      repo_path: repo,
      ...(args.cleanup && { cleanup_workspace: true }),
      ...takeoverArgs(args),
    });
    emit(args.json, view, () => line(view));
    return 0;
  },
});

export default defineCommand({
  meta: { name: "worker", description: "Named workers on the shared server: start, message, list, inspect, integrate, stop" },
  subCommands: { start, message, list, inspect, integrate, stop },
});
