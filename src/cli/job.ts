import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { controlRequest, controlStream, ensureServer, type OwnerRecord } from "../server/index.ts";
import type { JobAction } from "../server/control-protocol.ts";
import { integerFlag } from "./integer-flag.ts";
import { emit } from "./output.ts";
import { callServerTool, commandsFor, INTEGRATE_TIMEOUT_MS, repoScope, withExec } from "./server-call.ts";

/** The parts of a job view the CLI prints. */
interface JobView {
  job_id: string;
  kind: string;
  state: string;
  done: boolean;
  agent: string;
  repo: string;
  created_at: string;
  session_id?: string;
  worktree?: { path: string; branch: string };
  result?: { final_message?: string; error?: string; changed_files: string[] };
  events: Array<{ at: string; text: string }>;
}

async function server(): Promise<OwnerRecord> {
  return ensureServer(patchbayHome());
}

async function jobRequest<T>(action: JobAction): Promise<T> {
  const { data, socket } = await controlRequest(await server(), { op: "job", action }, 30_000);
  socket.destroy();
  return data as T;
}

function summary(view: JobView): string {
  // `job clean` removes the worktree and branch; the record keeps naming them.
  const kept = view.worktree && existsSync(view.worktree.path) ? view.worktree : undefined;
  const where = kept ? kept.path : view.worktree ? `${view.repo} (worktree cleaned)` : view.repo;
  const lines = [`${view.job_id} ${view.state} (${view.kind}, ${view.agent}) in ${where}`];
  if (view.session_id) lines.push(`session: ${view.session_id}`);
  if (kept) lines.push(`branch: ${kept.branch}`);
  if (view.result?.changed_files.length) lines.push(`changed: ${view.result.changed_files.join(", ")}`);
  if (view.result?.error && view.state !== "succeeded") lines.push(`error: ${commandsFor(view.result.error)}`);
  if (view.result?.final_message) lines.push("", view.result.final_message);
  if (kept && view.done && view.result?.changed_files.length)
    lines.push(
      "",
      `\`patchbay job diff ${view.job_id}\` shows its change, \`patchbay job integrate ${view.job_id}\` applies it to the checkout, ` +
        `\`patchbay job clean ${view.job_id}\` removes the worktree and branch`,
    );
  else if (kept && view.done) lines.push("", `it changed nothing; \`patchbay job clean ${view.job_id}\` removes the worktree and branch`);
  return lines.join("\n");
}

/** Follows a job to its end, printing its progress lines to stderr; Ctrl-C cancels it. */
async function follow(owner: OwnerRecord, id: string, quiet: boolean): Promise<JobView> {
  let cancelling = false;
  const onInterrupt = () => {
    if (cancelling) process.exit(130);
    cancelling = true;
    process.stderr.write(`cancelling ${id} (Ctrl-C again to leave it running)\n`);
    void controlRequest(owner, { op: "job", action: { name: "cancel", id } }).then(
      ({ socket }) => socket.destroy(),
      () => {},
    );
  };
  process.on("SIGINT", onInterrupt);
  try {
    for (;;) {
      const view = (await controlStream(owner, { op: "job", action: { name: "watch", id } }, (progress) => {
        if (!quiet) process.stderr.write(`[${id}] ${commandsFor((progress as { text: string }).text)}\n`);
      })) as JobView;
      if (view.done) return view;
    }
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

const run = defineCommand({
  meta: {
    name: "run",
    description: "Run an agent job on the server: read-only in the repository, or --isolated writing in a new worktree; live progress on stderr",
  },
  args: {
    prompt: { type: "positional", required: true, description: "The task for the agent" },
    agent: { type: "string", default: "codex", description: "codex, claude, gemini, mock, or an [agents.custom] id", valueHint: "NAME" },
    repo: { type: "string", description: "Repository (default: the current directory)", valueHint: "DIR" },
    model: { type: "string", description: "Model for the agent", valueHint: "MODEL" },
    isolated: { type: "boolean", description: "Let the agent change files in its own worktree and branch (the checkout is not touched)" },
    apply: { type: "boolean", description: "Deprecated name of --isolated (it never applied to the checkout)" },
    detach: { type: "boolean", description: "Print the job id and return at once" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const owner = await server();
    const repo = resolve(args.repo ?? process.cwd());
    if (args.apply) process.stderr.write("patchbay: --apply is now --isolated (the job writes in its own worktree, not in the checkout)\n");
    const tool = args.isolated || args.apply ? "codex_apply_job" : "codex_plan_job";
    const callArgs = { spec: args.prompt, repo_path: repo, agent: args.agent, ...(args.model && { model: args.model }) };
    const { value: started } = await callServerTool<JobView>(owner, { tool, args: callArgs, scope: repoScope(repo) }, 60_000);
    if (args.detach) {
      emit(args.json, started, () => started.job_id);
      return 0;
    }
    if (!args.json) process.stderr.write(`started ${started.job_id} (${started.agent})\n`);
    const view = await follow(owner, started.job_id, Boolean(args.json));
    emit(args.json, view, () => summary(view));
    return view.state === "succeeded" ? 0 : 1;
  },
});

/** WHERE in `job list`: the job's worktree while it exists; once cleaned (`job clean`, the retention sweep), its repository, marked so. */
function whereItRan(job: JobView): string {
  if (!job.worktree) return job.repo;
  return existsSync(job.worktree.path) ? job.worktree.path : `${job.repo} (worktree cleaned)`;
}

const list = defineCommand({
  meta: { name: "list", description: "The server's jobs, newest first" },
  args: { limit: { type: "string", description: "At most this many (default 50)", valueHint: "N" }, json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const limit = integerFlag("limit", args.limit, { min: 1, max: 1000 }, 50);
    const jobs = await jobRequest<JobView[]>({ name: "list", limit });
    const row = (cells: string[]) => `${cells[0]!.padEnd(idWidth)}  ${cells[1]!.padEnd(11)} ${cells[2]!.padEnd(11)} ${cells[3]!.padEnd(8)} ${cells[4]}`;
    const idWidth = Math.max(2, ...jobs.map((job) => job.job_id.length));
    emit(args.json, jobs, () =>
      jobs.length
        ? [row(["ID", "STATE", "KIND", "AGENT", "WHERE"]), ...jobs.map((job) => row([job.job_id, job.state, job.kind, job.agent, whereItRan(job)]))].join("\n")
        : "no jobs yet",
    );
    return 0;
  },
});

const idArg = { id: { type: "positional", required: true, description: "The job id", valueHint: "ID" } } as const;

const show = defineCommand({
  meta: { name: "show", description: "One job: state, result and progress lines" },
  args: { ...idArg, json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const view = await jobRequest<JobView>({ name: "show", id: args.id });
    emit(args.json, view, () => [summary(view), "", ...view.events.map((event) => `${event.at}  ${commandsFor(event.text)}`)].join("\n"));
    return 0;
  },
});

const logs = defineCommand({
  meta: { name: "logs", description: "A job's redacted output log (stdout by default)" },
  args: {
    ...idArg,
    stderr: { type: "boolean", description: "The stderr log instead of stdout" },
    follow: { type: "boolean", description: "Keep printing until the job ends" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const stream = args.stderr ? "stderr" : "stdout";
    let offset = 0;
    let text = "";
    for (;;) {
      const page = await jobRequest<{ text: string; offset: number; size: number }>({ name: "logs", id: args.id, stream, offset });
      offset = page.offset;
      if (args.json) text += page.text;
      else process.stdout.write(page.text);
      if (page.offset < page.size) continue;
      if (!args.follow) break;
      const view = await jobRequest<JobView>({ name: "show", id: args.id });
      if (view.done) {
        const last = await jobRequest<{ text: string; offset: number; size: number }>({ name: "logs", id: args.id, stream, offset });
        if (args.json) text += last.text;
        else process.stdout.write(last.text);
        if (last.offset >= last.size) break;
        offset = last.offset;
        continue;
      }
      await new Promise((done) => setTimeout(done, 250));
    }
    if (args.json) emit(true, { job_id: args.id, stream, text, bytes: offset }, () => "");
    return 0;
  },
});

const cancel = defineCommand({
  meta: { name: "cancel", description: "Stop a pending or running job (its whole process group)" },
  args: { ...idArg, json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const view = await jobRequest<JobView>({ name: "cancel", id: args.id });
    emit(args.json, view, () => `${view.job_id} ${view.state}`);
    return 0;
  },
});

interface JobPatch {
  job_id: string;
  files: string[];
  diff: string;
  skipped_files: string[];
  unsafe_files: Array<{ path: string; why: string }>;
  too_large_files: string[];
}

/** The files a job's patch does not carry, each with why. */
function leftOut(patch: JobPatch): string[] {
  return [
    ...patch.unsafe_files.map((file) => `not in the diff: ${file.path} ${file.why}`),
    ...patch.skipped_files.map((path) => `not in the diff: ${path} (a new binary file or folder; copy it by hand)`),
    ...patch.too_large_files.map((path) => `not in the diff: ${path} (the diff would pass its size cap)`),
  ];
}

const diff = defineCommand({
  meta: { name: "diff", description: "Everything a finished --isolated job changed in its worktree, as one diff" },
  args: { ...idArg, json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const result = await jobRequest<JobPatch>({ name: "diff", id: args.id });
    // The patch alone on stdout, so `patchbay job diff ID | git apply` works; what it leaves out goes to stderr.
    if (!args.json) for (const line of leftOut(result)) process.stderr.write(`patchbay: ${line}\n`);
    emit(args.json, result, () => result.diff.trimEnd() || `job ${args.id} changed nothing`);
    return 0;
  },
});

/** Runs a job tool on a session scoped to the job's repository. */
async function callJobTool<T>(tool: string, id: string, args: Record<string, unknown> = {}, options: { exec?: boolean; timeoutMs?: number } = {}): Promise<T> {
  const { repo } = await jobRequest<JobView>({ name: "show", id });
  const scope = options.exec ? withExec(repoScope(repo)) : repoScope(repo);
  const { value } = await callServerTool<T>(await server(), { tool, args: { job_id: id, ...args }, scope }, options.timeoutMs ?? 5 * 60_000);
  return value;
}

const integrate = defineCommand({
  meta: {
    name: "integrate",
    description:
      "Apply a finished --isolated job's change to the checkout (no commit unless --commit; same checks as `worker integrate`); --preview only checks; --run-tests tests it first",
  },
  args: {
    ...idArg,
    preview: { type: "boolean", description: "Only say whether it would apply, and why not" },
    "run-tests": {
      type: "boolean",
      description: "Test in a scratch worktree first ([phases.test] commands of a trusted .ai/patchbay.toml); default: workers.integrate_requires_tests",
    },
    commit: { type: "string", description: "Commit what lands, with this message", valueHint: "MESSAGE" },
    "allow-dirty-base": { type: "boolean", description: "Integrate into a checkout with uncommitted changes" },
    "allow-agent-config": {
      type: "boolean",
      description: "Also land changes to configuration that runs programs (.claude/, .mcp.json, git hooks, …); read their diff first",
    },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const result = await callJobTool<{
      applied: boolean;
      ready: boolean;
      refusals: Array<{ message: string }>;
      files: string[];
      base_moved: boolean;
      landed?: { commit?: string; tests?: unknown };
    }>(
      "codex_job_integrate",
      args.id,
      {
        ...(args.preview && { preview: true }),
        ...(args["allow-dirty-base"] && { allow_dirty_base: true }),
        ...(args["allow-agent-config"] && { allow_agent_config: true }),
        ...(args["run-tests"] !== undefined && { run_tests: args["run-tests"] }),
        ...(args.commit && { commit: true, message: args.commit }),
      },
      { exec: true, timeoutMs: INTEGRATE_TIMEOUT_MS },
    );
    emit(args.json, result, () => {
      if (!result.applied)
        return result.ready
          ? `would apply: ${result.files.join(", ")}`
          : `would be refused:\n${result.refusals.map((refusal) => `- ${refusal.message}`).join("\n")}`;
      const committed = result.landed?.commit ? `committed ${result.landed.commit.slice(0, 12)}` : "not committed";
      return [`applied: ${result.files.join(", ")} (${committed})`, result.base_moved ? "the base moved since the job started" : ""].filter(Boolean).join("\n");
    });
    return result.applied || result.ready ? 0 : 1;
  },
});

const clean = defineCommand({
  meta: { name: "clean", description: "Remove a finished --isolated job's worktree and its patchbay/job-ID branch" },
  args: { ...idArg, json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const result = await callJobTool<{ removed: boolean; path: string; branch: string }>("codex_job_clean", args.id);
    emit(args.json, result, () =>
      result.removed ? `removed ${result.path} and branch ${result.branch}` : `job ${args.id}'s worktree and branch were already gone`,
    );
    return 0;
  },
});

export default defineCommand({
  meta: { name: "job", description: "Agent jobs on the shared server: run, list, show, logs, cancel, diff, integrate, clean" },
  subCommands: { run, list, show, logs, cancel, diff, integrate, clean },
});
