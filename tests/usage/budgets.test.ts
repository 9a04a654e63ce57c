/**
 * Budgets through the binary: a turn whose own reported use goes past a hard budget while it runs
 * is stopped (the agent's process gone, what it said kept, the job and its entry marked), a soft
 * budget that was reached only warns, and a worker's budget refuses that worker's next turn.
 * The running case uses a stand-in codex (a script that prints codex's JSONL, then would sleep):
 * the real codex reports usage only as a turn ends (a real claude stopped between two model calls
 * is in agents-ledger.test.ts).
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { mockPrompt, processGone } from "../jobs/support.ts";
import { until } from "../support/until.ts";
import { mockToml, pipelineRepo, trustIn } from "../pipeline/helpers.ts";
import { ledgerEntries } from "./support.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function home(toml: string): string {
  const dir = tempDir("pb-usage-budgets-");
  writeFileSync(join(dir, "config.toml"), toml);
  homes.push(dir);
  return dir;
}

interface Job {
  job_id: string;
  state: string;
  exit?: { ended_by: string };
  result?: { final_message?: string; error?: string; error_code?: string };
  events?: Array<{ text: string }>;
}

async function cli<T>(dir: string, args: string[]): Promise<{ code: number; body: T; stderr: string }> {
  const run = await runPatchbay([...args, "--json"], { home: dir, timeoutMs: 60_000 });
  return { code: run.code ?? -1, body: JSON.parse(run.stdout || "{}") as T, stderr: run.stderr };
}

test("a turn that goes past a hard budget while it runs is stopped, its answer kept, the job and its entry marked", async () => {
  const scripts = tempDir("pb-usage-fake-codex-");
  const pidFile = join(scripts, "agent.pid");
  const fake = join(scripts, "codex");
  const lines = [
    { type: "thread.started", thread_id: "0199a0aa-0000-7000-8000-000000000001" },
    { type: "item.completed", item: { id: "item_0", type: "agent_message", text: "partial answer" } },
    { type: "turn.completed", usage: { input_tokens: 900, cached_input_tokens: 0, output_tokens: 200, reasoning_output_tokens: 0 } },
  ];
  writeFileSync(fake, `#!/bin/sh\necho $$ > ${pidFile}\ncat > /dev/null\n${lines.map((line) => `echo '${JSON.stringify(line)}'`).join("\n")}\nexec sleep 60\n`);
  chmodSync(fake, 0o755);
  const dir = home(`[budgets.hard]\ndaily_tokens = 1000\n\n[agents]\ncodex_command = ${JSON.stringify(fake)}\nkill_grace_seconds = 1\n`);
  const repo = makeGitRepo({ "a.txt": "a\n" });

  const run = await cli<Job>(dir, ["job", "run", "--agent", "codex", "--repo", repo, "Answer at length"]);
  expect(run.body.state, run.stderr).toBe("cancelled");
  expect(run.body.exit?.ended_by).toBe("cancelled");
  expect(run.body.result?.error_code).toBe("budget_exceeded");
  expect(run.body.result?.error).toContain("budgets.hard.daily_tokens");
  expect(run.body.result?.final_message).toBe("partial answer");
  // The agent's process is gone (it would have slept a minute).
  expect(processGone(Number(readFileSync(pidFile, "utf8")))).toBe(true);
  expect(ledgerEntries(dir)).toEqual([
    expect.objectContaining({ id: run.body.job_id, input_tokens: 900, output_tokens: 200, stopped_by_budget: "budgets.hard.daily_tokens" }),
  ]);
});

test("a soft budget that was reached warns in the turn's events and lets it run", async () => {
  const dir = home("[budgets.soft]\ndaily_tokens = 1\n");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const first = await cli<Job>(dir, ["job", "run", "--agent", "mock", "--repo", repo, "First words"]);
  expect(first.body.state).toBe("succeeded");
  expect(first.body.events?.some((event) => event.text.includes("soft budget"))).toBe(false);
  const second = await cli<Job>(dir, ["job", "run", "--agent", "mock", "--repo", repo, "Second words"]);
  expect(second.body.state).toBe("succeeded");
  expect(second.body.events?.map((event) => event.text)).toContainEqual(expect.stringContaining("warning: soft budget reached: all turns today (UTC)"));
  expect(ledgerEntries(dir)).toHaveLength(2);
});

test("a worker's hard budget refuses its next turn before the agent runs", async () => {
  const dir = home("[budgets.hard]\nworker_tokens = 1\n");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const start = await cli<{ state: string }>(dir, [
    "worker",
    "start",
    "alpha",
    mockPrompt({ write: { path: "one.txt", content: "1\n" } }),
    "--agent",
    "mock",
    "--repo",
    repo,
    "--wait",
  ]);
  expect(start.body.state, start.stderr).not.toBe("failed");
  expect(ledgerEntries(dir)).toEqual([expect.objectContaining({ worker: "alpha" })]);
  const next = await runPatchbay(["worker", "message", "alpha", mockPrompt({ write: { path: "two.txt", content: "2\n" } }), "--repo", repo, "--wait"], {
    home: dir,
    timeoutMs: 60_000,
  });
  expect(next.code).toBe(1);
  expect(next.stderr).toContain("budgets.hard.worker_tokens");
  expect(next.stderr).toContain("worker alpha has used");
  // The CLI speaks commands: `patchbay usage`, never the tool's name.
  expect(next.stderr).toContain("`patchbay usage` shows what was spent");
  expect(next.stderr).not.toContain("codex_");
  // The mock never ran: it would have written two.txt; the ledger still holds the one turn.
  const inspect = await cli<{ worker: { worktree?: { path: string } } }>(dir, ["worker", "inspect", "alpha", "--repo", repo, "--view", "status"]);
  const worktree = inspect.body.worker.worktree!.path;
  expect(existsSync(join(worktree, "one.txt"))).toBe(true);
  expect(existsSync(join(worktree, "two.txt"))).toBe(false);
  expect(ledgerEntries(dir)).toHaveLength(1);
  const report = await cli<{ groups: Array<{ key: string; turns: number }> }>(dir, ["usage", "--by", "worker"]);
  expect(report.body.groups).toEqual([expect.objectContaining({ key: "alpha", turns: 1 })]);
});

test("a turn queued before the budget was reached is refused when it would start, without running the agent", async () => {
  const dir = home("[server]\nmax_concurrent_jobs = 1\n\n[budgets.hard]\ndaily_tokens = 1\n");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const first = await cli<Job>(dir, ["job", "run", "--detach", "--agent", "mock", "--repo", repo, mockPrompt({ sleep_ms: 1500, message: "first" })]);
  const queued = await cli<Job>(dir, [
    "job",
    "run",
    "--detach",
    "--agent",
    "mock",
    "--repo",
    repo,
    "--isolated",
    mockPrompt({ write: { path: "late.txt", content: "x\n" } }),
  ]);
  expect(queued.code, queued.stderr).toBe(0);
  await until(async () => (await cli<Job>(dir, ["job", "show", queued.body.job_id])).body.state, "the queued job to fail", {
    accept: (state) => state === "failed",
  });
  const view = (await cli<Job & { worktree?: { path: string } }>(dir, ["job", "show", queued.body.job_id])).body;
  expect(view.result?.error_code).toBe("budget_exceeded");
  expect(view.result?.error).toContain("budgets.hard.daily_tokens");
  expect(existsSync(join(view.worktree!.path, "late.txt"))).toBe(false);
  expect(ledgerEntries(dir).map((entry) => entry.id)).toEqual([first.body.job_id]);
});

async function runPipeline(dir: string, repo: string, flags: string[]) {
  await trustIn(dir, repo);
  const run = await runPatchbay(["run", "--task", "spend it", "--auto-approve", "--mock", ...flags, "--json"], { home: dir, cwd: repo, timeoutMs: 120_000 });
  expect(run.code, run.stdout + run.stderr).toBe(1);
  return JSON.parse(run.stdout);
}

for (const where of ["on the server", "in the CLI (--standalone)"] as const) {
  test(`a run's hard budget (${where}): the planner's turn that goes past it is stopped and marked, and no later phase runs`, async () => {
    const dir = home("[budgets.hard]\nrun_tokens = 1\n");
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const failed = (await runPipeline(dir, repo, where === "on the server" ? [] : ["--standalone"])) as { ok: boolean; error: { message: string } };
    expect(failed.ok).toBe(false);
    expect(failed.error.message).toContain("stopped: the turn went past budgets.hard.run_tokens");
    expect(existsSync(join(repo, "PATCHBAY_MOCK.md"))).toBe(false);
    expect(ledgerEntries(dir)).toEqual([expect.objectContaining({ phase: "plan", stopped_by_budget: "budgets.hard.run_tokens" })]);
  });
}

test("a run's hard budget that was reached refuses the run's next agent phase with budget_exceeded", async () => {
  const dir = home("");
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
  await trustIn(dir, repo);
  const planned = await runPatchbay(["plan", "--task", "spend it", "--mock", "--standalone", "--json"], { home: dir, cwd: repo, timeoutMs: 60_000 });
  expect(planned.code, planned.stderr).toBe(0);
  const runId = (JSON.parse(planned.stdout) as { run_id: string }).run_id;
  const [plan] = ledgerEntries(dir);
  expect(plan).toMatchObject({ run: runId, phase: "plan" });
  // The budget is exactly what the planner used: reached, not crossed.
  writeFileSync(join(dir, "config.toml"), `[budgets.hard]\nrun_tokens = ${plan!.input_tokens + plan!.output_tokens}\n`);
  expect((await runPatchbay(["approve", runId, "--standalone"], { home: dir, cwd: repo })).code).toBe(0);
  const write = await runPatchbay(["write", runId, "--mock", "--standalone", "--json"], { home: dir, cwd: repo, timeoutMs: 60_000 });
  expect(write.code).not.toBe(0);
  expect(write.stdout + write.stderr).toContain(`run ${runId} has used`);
  expect(write.stdout + write.stderr).toContain("budgets.hard.run_tokens");
  expect(existsSync(join(repo, "PATCHBAY_MOCK.md"))).toBe(false);
  expect(ledgerEntries(dir)).toHaveLength(1);
});

test("budgets survive a restart: they are computed from the ledger", async () => {
  const dir = home("");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const first = await cli<Job>(dir, ["job", "run", "--agent", "mock", "--repo", repo, "First words"]);
  expect(first.body.state, first.stderr).toBe("succeeded");
  expect((await runPatchbay(["stop"], { home: dir })).code).toBe(0);
  const [used] = ledgerEntries(dir);
  writeFileSync(join(dir, "config.toml"), `[budgets.hard]\ndaily_tokens = ${used!.input_tokens + used!.output_tokens}\n`);
  // A new server process: nothing in memory, the ledger alone says the budget is spent.
  const refused = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--isolated", mockPrompt({ write: { path: "b.txt", content: "b\n" } })], {
    home: dir,
    timeoutMs: 60_000,
  });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("budgets.hard.daily_tokens");
  expect(ledgerEntries(dir).map((entry) => entry.id)).toEqual([first.body.job_id]);
});
