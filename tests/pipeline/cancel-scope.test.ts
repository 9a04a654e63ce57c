import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { parsePlanScope } from "../../src/pipeline/prompts.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { directEnv, mockToml, pipelineRepo, scripted } from "./helpers.ts";

afterAll(() => removeTempDirs());

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; next?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected a failure");
}

const slowWrite = (task: string) => scripted(task, { write: { sleep_ms: 30_000, message: "too late" } });

async function writeStarted(repo: string, runId: string): Promise<boolean> {
  const { events } = await pipeline.readRunEvents(repo, runId, { phase: "write" });
  return events.some((event) => event.action === "start") && existsSync(join(repo, ".ai/runs", runId, "logs/write.log"));
}

describe("cancellation", () => {
  test("cancel with no phase running ends the run; no phase runs after it", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, "t", env);
    const cancelled = await pipeline.cancelRun(repo, run.run_id, { ...env, clientRef: "cli" });
    expect(cancelled).toMatchObject({ state: "cancelled", cancelled: { by: "cli", phase: "cancel" } });
    expect(await errorOf(pipeline.approve(repo, run.run_id, env))).toMatchObject({ code: "run_finished" });
    // Idempotent.
    expect((await pipeline.cancelRun(repo, run.run_id, env)).state).toBe("cancelled");
    const { events } = await pipeline.readRunEvents(repo, run.run_id);
    expect(events.at(-1)).toMatchObject({ phase: "cancel", action: "cancelled", status: "cancelled" });
    expect(existsSync(join(repo, ".ai/runs", run.run_id, "CANCEL"))).toBe(false);
  });

  test("cancel while write runs stops the agent and marks the run cancelled", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, slowWrite("slow"), env);
    await pipeline.approve(repo, run.run_id, env);
    const writing = errorOf(pipeline.write(repo, run.run_id, env));
    await until(() => writeStarted(repo, run.run_id), "the write phase to start");
    const cancelled = await pipeline.cancelRun(repo, run.run_id, { ...env, clientRef: "cli" }, { waitMs: 20_000 });
    expect(cancelled).toMatchObject({ state: "cancelled", cancelled: { by: "cli", phase: "write" } });
    expect(await writing).toMatchObject({ code: "run_cancelled" });
    // The agent was stopped in its 30 s sleep: it never got to print its message.
    expect(readFileSync(join(repo, ".ai/runs", run.run_id, "logs/write.log"), "utf8")).not.toContain("too late");
    const actions = (await pipeline.readRunEvents(repo, run.run_id)).events.map((event) => `${event.phase}:${event.action}`);
    expect(actions.slice(-3)).toEqual(["write:start", "cancel:cancel_requested", "write:cancelled"]);
    expect((await pipeline.status(repo, run.run_id)).running).toBeUndefined();
    // A finished run's worktree goes with cleanup.
    expect((await pipeline.cleanup(repo)).worktrees_removed).toHaveLength(1);
  });

  test("an aborted call (MCP cancel, Ctrl-C) only stops the phase; the run can run it again", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, slowWrite("stop me"), env);
    await pipeline.approve(repo, run.run_id, env);
    const controller = new AbortController();
    const writing = errorOf(pipeline.write(repo, run.run_id, { ...env, signal: controller.signal }));
    await until(() => writeStarted(repo, run.run_id), "the write phase to start");
    controller.abort();
    expect(await writing).toMatchObject({ code: "phase_stopped" });
    const view = await pipeline.status(repo, run.run_id);
    expect(view).toMatchObject({ state: "approved", failure: { phase: "write", code: "phase_stopped", terminal: false }, next: "write" });
    expect((await pipeline.readRunEvents(repo, run.run_id)).events.at(-1)).toMatchObject({ phase: "write", action: "stopped" });
    // A STOP request (what the CLI writes for a phase on the server) does the same.
    const again = errorOf(pipeline.write(repo, run.run_id, env));
    await until(
      async () => (await pipeline.readRunEvents(repo, run.run_id, { phase: "write" })).events.filter((event) => event.action === "start").length,
      "the second write to start",
      { accept: (starts) => starts === 2 },
    );
    await pipeline.requestStop(run, "stop", "cli_test");
    expect(await again).toMatchObject({ code: "phase_stopped" });
    expect((await pipeline.status(repo, run.run_id)).state).toBe("approved");
  });

  test("applied and failed runs cannot be cancelled; `patchbay pipeline cancel` from a shell", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const done = await pipeline.drive(repo, "t", env);
    expect(done.outcome).toBe("applied");
    expect(await errorOf(pipeline.cancelRun(repo, done.run_id, env))).toMatchObject({ code: "run_finished" });

    const run = await pipeline.plan(repo, "t2", env);
    const entry = join(import.meta.dir, "cli-entry.ts");
    const result = spawnSync(process.execPath, [entry, "cancel", run.run_id, "--json"], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, PATCHBAY_HOME: tempDir("patchbay-cancel-cli-") },
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ run_id: run.run_id, state: "cancelled", cancelled: { by: "cli" } });
  });
});

describe("the writer scope check", () => {
  test("parsePlanScope reads the last fenced JSON block with affected_files", () => {
    expect(parsePlanScope('# Plan\n```json\n{"other": 1}\n```\n```json\n{"affected_files": ["./src/a.ts", "docs/"]}\n```\n')).toEqual(["src/a.ts", "docs/"]);
    expect(parsePlanScope("# Plan\nno block")).toBeUndefined();
    expect(parsePlanScope('```json\n{"affected_files": [1]}\n```')).toBeUndefined();
    expect(parsePlanScope("```json\nnot json\n```")).toBeUndefined();
  });

  test("the plan prompt asks for the block", async () => {
    // A planner that keeps the prompt it was given, so the test reads what a real planner receives.
    const received = join(tempDir("patchbay-prompt-"), "prompt.txt");
    const recorder = `[providers.recorder]\nroles = ["plan"]\ncommand = "/bin/sh"\nargs = ["-c", ${JSON.stringify(`cat > ${received}; printf '# Plan\\n'`)}]\noutput_contract = "text"\n`;
    const repo = pipelineRepo(`[phases.plan]\nprovider = "recorder"\n${recorder}`);
    const run = await pipeline.plan(repo, "Add a flag", await directEnv(repo));
    const prompt = readFileSync(received, "utf8");
    expect(prompt).toContain("Add a flag");
    expect(prompt).toContain('{"affected_files": [');
    expect(run.affected_files).toBeUndefined(); // this plan gave no block: no check
  });

  test("write flags files changed outside affected_files (event and WRITE.md), and stays written", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const planMessage = '# Plan\nChange the docs.\n```json\n{"affected_files": ["docs/", "README.md", "src/**/*.ts"]}\n```';
    const task = scripted("scoped", {
      plan: { message: planMessage },
      write: {
        write: [
          { path: "docs/a.md", content: "a\n" },
          { path: "src/x/y.ts", content: "y\n" },
          { path: "unplanned.txt", content: "x\n" },
        ],
        message: "wrote three files",
      },
    });
    const run = await pipeline.plan(repo, task, env);
    expect(run.affected_files).toEqual(["docs/", "README.md", "src/**/*.ts"]);
    await pipeline.approve(repo, run.run_id, env);
    const written = await pipeline.write(repo, run.run_id, env);
    expect(written).toMatchObject({ state: "written", out_of_scope: ["unplanned.txt"] });
    const note = readFileSync(join(repo, ".ai/runs", run.run_id, "WRITE.md"), "utf8");
    expect(note).toStartWith("wrote three files\n\n## Scope check");
    expect(note).toContain("- unplanned.txt");
    const { events } = await pipeline.readRunEvents(repo, run.run_id, { phase: "write" });
    expect(events.map((event) => event.action)).toEqual(["start", "scope_warning", "success"]);
    expect(events[1]!.detail).toBe("changed outside the plan's affected_files: unplanned.txt");
    expect(events[2]!.detail).toContain("outside the plan's affected_files: unplanned.txt");
  });

  test("a write inside the scope is not flagged", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const task = scripted("in scope", {
      plan: { message: '```json\n{"affected_files": ["feature.txt"]}\n```' },
      write: { write: { path: "feature.txt", content: "f\n" }, message: "ok" },
    });
    const run = await pipeline.plan(repo, task, env);
    await pipeline.approve(repo, run.run_id, env);
    const written = await pipeline.write(repo, run.run_id, env);
    expect(written.out_of_scope).toBeUndefined();
    expect(readFileSync(join(repo, ".ai/runs", run.run_id, "WRITE.md"), "utf8")).toBe("ok\n");
  });
});
