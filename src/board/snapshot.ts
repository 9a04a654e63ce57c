/**
 * What the board shows, read through the tools: the repositories, and per repository (or the one
 * the page filters on) the workers with their conflicts, jobs, pipeline runs and usage per day;
 * the agents with their presence; and what waits on a person (rate-limit bans among it).
 * One snapshot is one JSON value; the event stream sends it again only when it changed.
 */
import { conflictEntries, conflictsWaiting, warningsOf } from "./conflicts.ts";
import { type BoardTools, type Json, readData } from "./tools.ts";

/** Jobs beyond this many (newest first) are left out: the page's list windows over these. */
export const MAX_JOBS = 1000;
const MAX_RUNS = 50;
/** Usage per day covers this many days back, today included. */
const USAGE_DAYS = "30d";

export interface Waiting {
  kind: "plan" | "integrate" | "failed_run" | "conflict" | "budget" | "ban";
  repo: string;
  id: string;
  title: string;
}

export interface BoardState {
  repos: Array<{ path: string; name: string }>;
  workers: Json[];
  jobs: Json[];
  runs: Json[];
  agents: string[];
  /** Each agent's presence (the `presence` tool: marks nothing read). */
  presence: Json[];
  /** Tokens and cost per UTC day, newest first. */
  usage: Json[];
  /** Each configured budget that applies today, with what it has spent (codex_usage). */
  budgets: Json[];
  waiting: Waiting[];
}

export interface BoardSources {
  tools: BoardTools;
  /** The server's newest `limit` jobs in `repos`, newest first (no tool lists them all); older ones are not read. */
  jobs(repos: ReadonlySet<string>, limit: number): Promise<Json[]>;
  /** Every messaging agent, NAME@NAMESPACE. */
  agents(): Promise<string[]>;
  /** Calls `listener` whenever the state may have changed; the result unsubscribes. */
  changes?(listener: () => void): () => void;
}

async function repositories(tools: BoardTools): Promise<BoardState["repos"]> {
  const data = await readData(tools, "codex_list_workspaces", {});
  const found = (data?.workspaces ?? []) as Array<{ path: string; name: string; exists: boolean }>;
  return found.filter((ws) => ws.exists).map((ws) => ({ path: ws.path, name: ws.name }));
}

/** The usage ledger's tokens and cost in `repo`, per worker or per run (codex_usage), by the group's key. */
async function usageBy(tools: BoardTools, repo: string, by: "worker" | "run"): Promise<Map<string, Json>> {
  const data = await readData(tools, "codex_usage", { repo_path: repo, by });
  const groups = (data?.groups ?? []) as Json[];
  return new Map(groups.map((group) => [String(group.key), { tokens: group.tokens, cost_usd: group.cost_usd, unpriced_turns: group.unpriced_turns }]));
}

/** A repository's workers, each with its usage and overlap/conflict warnings, and the conflicts that wait on a person. */
async function workersOf(tools: BoardTools, repo: string): Promise<{ workers: Json[]; conflicts: Waiting[] }> {
  const [data, usage] = await Promise.all([readData(tools, "codex_worker_list", { repo_path: repo, include_stopped: true }), usageBy(tools, repo, "worker")]);
  const entries = conflictEntries(data);
  const workers = ((data?.workers ?? []) as Json[]).map((worker) => ({
    ...worker,
    usage: usage.get(String(worker.name)) ?? usage.get(String(worker.worker_id)),
    warnings: warningsOf(entries.find((entry) => entry.worker_id === worker.worker_id)),
  }));
  return { workers, conflicts: conflictsWaiting(repo, entries) };
}

/** Tokens and cost per day, in `repo` or in every repository of the session, and the budgets' states. */
async function usagePerDay(tools: BoardTools, repo: string | undefined): Promise<{ days: Json[]; budgets: Json[] }> {
  const data = await readData(tools, "codex_usage", { by: "day", since: USAGE_DAYS, ...(repo && { repo_path: repo }) });
  const days = ((data?.groups ?? []) as Json[]).sort((a, b) => (String(a.key) < String(b.key) ? 1 : -1));
  return { days, budgets: (data?.budgets ?? []) as Json[] };
}

/** A budget past a limit, with how far and the config key that raises it. */
function budgetWaiting(budget: Json): Waiting {
  const amount = (value: unknown) => (budget.unit === "usd" ? `$${Number(value).toFixed(4)}` : `${Number(value).toLocaleString("en-US")} tokens`);
  const limit = budget.state === "hard_exceeded" ? budget.hard_limit : budget.soft_limit;
  const level = budget.state === "hard_exceeded" ? "hard" : "soft";
  return {
    kind: "budget",
    repo: "",
    id: String(budget.key),
    title: `${budget.what}: ${amount(budget.spent)} spent, ${amount(Number(budget.spent) - Number(limit))} over its ${level} limit of ${amount(limit)}; raise ${budget.key} in config.toml`,
  };
}

/** A token the rate limit banned: whose, until when and why (list_bans; a revoked token has no agent). */
function banWaiting(ban: Json): Waiting {
  const whose = ban.agent ? `agent ${String(ban.agent).split("@")[0]} in namespace ${ban.namespace}` : "a revoked token";
  return { kind: "ban", repo: "", id: String(ban.token_id), title: `${whose}: banned until ${ban.until}, ${ban.reason}` };
}

async function runsOf(tools: BoardTools, repo: string): Promise<Json[]> {
  const [data, usage] = await Promise.all([readData(tools, "patchbay_runs", { repo_path: repo, limit: MAX_RUNS }), usageBy(tools, repo, "run")]);
  return ((data?.runs ?? []) as Json[]).map((run) => ({ ...run, repo, usage: usage.get(String(run.run_id)) }));
}

/** A worker is ready for a person when its turn ended with changes that are not integrated yet. */
function readyToIntegrate(worker: Json): boolean {
  const changed = (worker.changed_files as string[] | undefined) ?? [];
  return worker.state === "idle" && worker.workspace_mode === "isolated_write" && changed.length > 0 && !worker.integrated;
}

function waitingOn(workers: Json[], runs: Json[], conflicts: Waiting[]): Waiting[] {
  const plans = runs
    .filter((run) => run.state === "planned")
    .map((run): Waiting => ({ kind: "plan", repo: String(run.repo), id: String(run.run_id), title: String(run.task) }));
  const ready = workers
    .filter(readyToIntegrate)
    .map((worker): Waiting => ({ kind: "integrate", repo: String(worker.repo), id: String(worker.name), title: String(worker.report ?? "").split("\n")[0]! }));
  const failed = runs
    .filter((run) => run.state === "failed")
    .map((run): Waiting => ({ kind: "failed_run", repo: String(run.repo), id: String(run.run_id), title: String(run.task) }));
  return [...plans, ...conflicts, ...ready, ...failed];
}

/** What the jobs table shows of a job: a thousand of them stay a small event. */
function jobRow(job: Json): Json {
  const events = (job.events ?? []) as Array<{ text: string }>;
  const { job_id, kind, state, agent, model, title, repo, created_at } = job;
  return { job_id, kind, state, agent, model, title, repo, created_at, latest: events.at(-1)?.text };
}

/** The board for every repository, or for `repo` only (a path the session may use). */
export async function snapshot(sources: BoardSources, repo?: string): Promise<BoardState> {
  const repos = await repositories(sources.tools);
  const shown = repo ? repos.filter((entry) => entry.path === repo) : repos;
  const paths = new Set(shown.map((entry) => entry.path));
  const [teams, runs, jobs, agents, presence, usage, bans] = await Promise.all([
    Promise.all(shown.map((entry) => workersOf(sources.tools, entry.path))),
    Promise.all(shown.map((entry) => runsOf(sources.tools, entry.path))).then((lists) => lists.flat()),
    sources.jobs(paths, MAX_JOBS),
    sources.agents(),
    readData(sources.tools, "presence", {}).then((data) => (data?.agents ?? []) as Json[]),
    usagePerDay(sources.tools, repo),
    readData(sources.tools, "list_bans", {}).then((data) => (data?.bans ?? []) as Json[]),
  ]);
  const workers = teams.flatMap((team) => team.workers);
  return {
    repos,
    workers,
    jobs: jobs.map(jobRow),
    runs,
    agents,
    presence,
    usage: usage.days,
    budgets: usage.budgets,
    waiting: [
      ...waitingOn(
        workers,
        runs,
        teams.flatMap((team) => team.conflicts),
      ),
      ...usage.budgets.filter((budget) => budget.state !== "ok").map(budgetWaiting),
      ...bans.map(banWaiting),
    ],
  };
}
