/**
 * The pipeline CLI through the compiled binary with a server running: phases run on the server
 * (their agent turns are server jobs), `--standalone` runs them in the CLI, and Ctrl-C stops a
 * phase on the server and leaves the run re-runnable.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { patchbayBinary, patchbayEnv, removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { mockToml, pipelineRepo, scripted, trustIn } from "./helpers.ts";

let server: TestServer;
let home: string;

beforeAll(async () => {
  home = tempDir("patchbay-pipeline-server-home-");
  server = await startTestServer({ home });
});

afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

async function cli<T = Record<string, unknown>>(repo: string, args: string[], expectCode = 0): Promise<T> {
  const result = await runPatchbay([...args, "--json"], { home, cwd: repo, timeoutMs: 60_000 });
  if (result.code !== expectCode) throw new Error(`patchbay ${args.join(" ")} exited ${result.code}: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

interface RunView {
  run_id: string;
  state: string;
  running?: string;
  jobs: string[];
  failure?: { code: string; phase: string };
  next?: string;
}
interface JobView {
  job_id: string;
  state: string;
  kind: string;
}

test("run --auto-approve --mock runs every phase on the server: its agent turns are in job list", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
  await trustIn(home, repo);
  const before = await cli<JobView[]>(repo, ["job", "list"]);
  const result = await runPatchbay(["run", "--task", "through the server", "--auto-approve", "--mock", "--json"], { home, cwd: repo, timeoutMs: 120_000 });
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout) as { outcome: string; run_id: string };
  expect(summary.outcome).toBe("applied");
  expect(readFileSync(join(repo, "PATCHBAY_MOCK.md"), "utf8")).toBe("through the server\n");

  const view = await cli<RunView>(repo, ["pipeline", "status", summary.run_id]);
  expect(view.jobs).toHaveLength(3); // plan, write, review
  const jobs = await cli<JobView[]>(repo, ["job", "list"]);
  expect(jobs.length).toBe(before.length + 3);
  for (const id of view.jobs) expect(jobs.find((job) => job.job_id === id)).toMatchObject({ state: "succeeded" });
  // The phases held the run's lock in the server's process, and were approved by the CLI's session.
  const events = JSON.parse((await runPatchbay(["events", summary.run_id, "--json"], { home, cwd: repo })).stdout) as Array<{
    action: string;
    detail?: string;
    job_id?: string;
  }>;
  expect(events.find((event) => event.action === "approve_granted")?.detail).toBe("approved by cli_pipeline");
  expect(events.filter((event) => event.action === "progress").map((event) => event.job_id)).toEqual(view.jobs);
  expect(events.at(-1)?.action).toBe("apply_granted");
});

test("step by step on the server, with progress lines on stderr; a refused phase exits non-zero with its code", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
  await trustIn(home, repo);
  const planned = await runPatchbay(["plan", "--task", "step by step", "--mock"], { home, cwd: repo, timeoutMs: 60_000 });
  expect(planned.code).toBe(0);
  expect(planned.stderr).toMatch(/plan of run_\w+ (runs|ran) on the server/);
  expect(planned.stderr).toContain("plan success");
  const id = /run_[0-9a-z]+_[0-9a-f]{6}/.exec(planned.stdout)![0];
  const refused = await runPatchbay(["write", id, "--mock", "--json"], { home, cwd: repo });
  expect(refused.code).toBe(1);
  expect(refused.stdout + refused.stderr).toContain("not_approved");
  expect((await cli<RunView>(repo, ["approve", id])).state).toBe("approved");
  expect((await cli<RunView>(repo, ["write", id, "--mock"])).state).toBe("written");
  expect((await cli<RunView>(repo, ["test", id])).state).toBe("tested");
  expect((await cli<RunView>(repo, ["review", id, "--mock"])).state).toBe("reviewed");
  const applied = await cli<RunView>(repo, ["apply", id]);
  expect(applied.state).toBe("applied");
  expect(applied.jobs).toHaveLength(3);
});

test("test exits 1 when a test command failed, so `write && test && review` stops there; the run is tested and fix is next", async () => {
  // Without PASS_ALWAYS (or FIXED) the repository's check fails.
  const repo = pipelineRepo(mockToml());
  await trustIn(home, repo);
  const planned = await runPatchbay(["plan", "--task", "a failing check", "--mock"], { home, cwd: repo, timeoutMs: 60_000 });
  const id = /run_[0-9a-z]+_[0-9a-f]{6}/.exec(planned.stdout)![0];
  await cli(repo, ["approve", id]);
  await cli(repo, ["write", id, "--mock"]);
  const tested = await cli<RunView & { tests: { status: string } }>(repo, ["test", id], 1);
  expect(tested.tests.status).toBe("failed");
  expect(tested.state).toBe("tested");
  const text = await runPatchbay(["test", id], { home, cwd: repo, timeoutMs: 60_000 });
  expect(text.code).toBe(1);
  expect(text.stdout).toContain("tests: failed");
});

test("--standalone runs the phases in the CLI: no server jobs", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
  await trustIn(home, repo);
  const before = await cli<JobView[]>(repo, ["job", "list"]);
  const summary = await cli<{ outcome: string; run_id: string }>(repo, ["run", "--task", "standalone", "--auto-approve", "--mock", "--standalone"]);
  expect(summary.outcome).toBe("applied");
  expect((await cli<RunView>(repo, ["pipeline", "status", summary.run_id])).jobs).toEqual([]);
  expect(await cli<JobView[]>(repo, ["job", "list"])).toHaveLength(before.length);
});

test("Ctrl-C stops the phase on the server; the run keeps its state and the phase runs again", async () => {
  const repo = pipelineRepo(mockToml());
  await trustIn(home, repo);
  const task = scripted("slow writer", { write: { sleep_ms: 60_000, message: "slow" } });
  const planned = await cli<RunView>(repo, ["plan", "--task", task, "--mock"]);
  await cli(repo, ["approve", planned.run_id]);
  const id = planned.run_id;

  const child = spawn(patchbayBinary(), ["write", id, "--mock"], { cwd: repo, env: patchbayEnv(home), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Running on the server, with its agent job started.
  await until(() => stderr.includes("agent job"), "the run to report its agent job");
  const jobId = /agent job (job_[0-9a-z]+)/.exec(stderr)![1]!;
  expect((await cli<RunView>(repo, ["pipeline", "status", id])).running).toBe("write");
  child.kill("SIGINT");
  expect(await exited).toBe(1);
  expect(stderr).toContain(`the write phase of run ${id} was stopped`);

  const stopped = await cli<RunView>(repo, ["pipeline", "status", id]);
  expect(stopped).toMatchObject({ state: "approved", failure: { code: "phase_stopped", phase: "write" }, next: "write" });
  expect(stopped.running).toBeUndefined();
  expect((await cli<JobView>(repo, ["job", "show", jobId])).state).toBe("cancelled");

  // Re-runnable: write starts again on the server (and is cancelled by a person this time).
  const again = spawn(patchbayBinary(), ["write", id, "--mock"], { cwd: repo, env: patchbayEnv(home), stdio: ["ignore", "ignore", "ignore"] });
  const againExited = new Promise<number | null>((resolve) => again.once("exit", (code) => resolve(code)));
  await until(async () => (await cli<RunView>(repo, ["pipeline", "status", id])).running, "the write phase to run", { accept: (phase) => phase === "write" });
  const cancelled = await cli<RunView>(repo, ["cancel", id]);
  expect(cancelled.state).toBe("cancelled");
  expect(await againExited).toBe(1);
}, 90_000);

test("without a server, a phase starts one in the background, like `patchbay job run`", async () => {
  const ownHome = tempDir("patchbay-pipeline-bg-home-");
  const repo = pipelineRepo(mockToml());
  await trustIn(ownHome, repo);
  try {
    const planned = await runPatchbay(["plan", "--task", "starts a server", "--mock", "--json"], { home: ownHome, cwd: repo, timeoutMs: 60_000 });
    expect(planned.code).toBe(0);
    const view = JSON.parse(planned.stdout) as RunView;
    expect(view).toMatchObject({ state: "planned" });
    expect(view.jobs).toHaveLength(1);
    const jobs = JSON.parse((await runPatchbay(["job", "list", "--json"], { home: ownHome })).stdout) as JobView[];
    expect(jobs.map((job) => job.job_id)).toEqual(view.jobs);
  } finally {
    await runPatchbay(["stop"], { home: ownHome }).catch(() => {});
  }
});

test("Ctrl-C during plan (a call that lasts the phase) stops it on the server too", async () => {
  const repo = pipelineRepo(mockToml());
  await trustIn(home, repo);
  const child = spawn(patchbayBinary(), ["plan", "--task", scripted("slow planner", { plan: { sleep_ms: 60_000, message: "# Plan" } }), "--mock"], {
    cwd: repo,
    env: patchbayEnv(home),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await until(() => stderr.includes("agent job"), "the run to report its agent job");
  const id = /plan of (run_[0-9a-z]+_[0-9a-f]{6}) runs on the server/.exec(stderr)![1]!;
  child.kill("SIGINT");
  expect(await exited).toBe(1);
  expect(stderr).toContain(`the plan phase of run ${id} was stopped`);
  const view = await cli<RunView>(repo, ["pipeline", "status", id]);
  expect(view).toMatchObject({ state: "new", failure: { code: "phase_stopped", phase: "plan" } });
  expect(view.running).toBeUndefined();
  const refused = await runPatchbay(["plan", "--task", "t", "--run-id", "run_abcdefgh_123456"], { home, cwd: repo });
  expect(refused.code).toBe(2); // usage
  expect(refused.stderr).toContain("--standalone");
}, 60_000);

test("a plan that failed: status prints the command to plan it again, and `plan --run-id` runs it on the server", async () => {
  const broken = '[providers.gone]\nroles = ["plan"]\ncommand = "/nonexistent/planner"\n';
  const repo = pipelineRepo(mockToml(broken).replace('[phases.plan]\nprovider = "mock"', '[phases.plan]\nprovider = "gone"'));
  await trustIn(home, repo);
  const failed = await runPatchbay(["plan", "--task", "plan me again"], { home, cwd: repo, timeoutMs: 60_000 });
  expect(failed.code).toBe(1);
  const id = (await cli<Array<{ run_id: string }>>(repo, ["runs"]))[0]!.run_id;
  const status = await runPatchbay(["pipeline", "status", id], { home, cwd: repo });
  expect(status.stdout).toContain(`next: the plan did not finish; run the planner again: patchbay plan --run-id ${id}`);
  const again = await runPatchbay(["plan", "--run-id", id, "--mock", "--json"], { home, cwd: repo, timeoutMs: 60_000 });
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ run_id: id, state: "planned", next: "approve" });
  expect((await cli<RunView>(repo, ["pipeline", "status", id])).jobs).toHaveLength(1); // the mock planner ran as a server job
});

test("a planner that fails names the new run, its log and the command that plans it again", async () => {
  const repo = pipelineRepo(mockToml());
  await trustIn(home, repo);
  const failed = await runPatchbay(["plan", "--task", scripted("doomed", { plan: { fail: "boom" } }), "--mock"], { home, cwd: repo, timeoutMs: 60_000 });
  expect(failed.code).toBe(1);
  const id = (await cli<Array<{ run_id: string }>>(repo, ["runs"]))[0]!.run_id;
  expect(failed.stderr).toContain(`run ${id}: mock failed in the plan phase: boom`);
  expect(failed.stderr).toContain(`read .ai/runs/${id}/logs/plan.log, fix the cause, and run the phase again: patchbay plan --run-id ${id}`);
  expect(existsSync(join(repo, ".ai", "runs", id, "logs", "plan.log"))).toBe(true);
  const json = await runPatchbay(["plan", "--task", scripted("doomed too", { plan: { fail: "boom" } }), "--mock", "--json"], {
    home,
    cwd: repo,
    timeoutMs: 60_000,
  });
  const second = (await cli<Array<{ run_id: string }>>(repo, ["runs"]))[0]!.run_id;
  expect(JSON.parse(json.stdout).error.message).toStartWith(`run ${second}: `);
});

test("apply on the server lands agent configuration only with --allow-agent-config, the operator's own call", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
  await trustIn(home, repo);
  const task = scripted("add an MCP server", { write: { write: { path: ".mcp.json", content: '{"mcpServers":{}}\n' }, message: "added it" } });
  const ready = await runPatchbay(["run", "--task", task, "--auto-approve", "--mock", "--no-apply", "--json"], { home, cwd: repo, timeoutMs: 120_000 });
  expect(ready.code, ready.stderr).toBe(0);
  const { run_id: runId } = JSON.parse(ready.stdout) as { run_id: string };
  const refused = await runPatchbay(["apply", runId], { home, cwd: repo, timeoutMs: 60_000 });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain(`patchbay apply ${runId} --allow-agent-config`);
  expect(existsSync(join(repo, ".mcp.json"))).toBe(false);
  expect(await cli<RunView>(repo, ["apply", runId, "--allow-agent-config"])).toMatchObject({ state: "applied" });
  expect(readFileSync(join(repo, ".mcp.json"), "utf8")).toBe('{"mcpServers":{}}\n');
});
