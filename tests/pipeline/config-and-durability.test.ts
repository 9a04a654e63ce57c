import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { PIPELINE_TOOLS } from "../../src/pipeline/tools/index.ts";
import { toolHarness } from "../support/tools.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { directEnv, mockToml, pipelineRepo, trustIn } from "./helpers.ts";

afterAll(() => removeTempDirs());

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; next?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected a failure");
}

describe("pipeline configuration", () => {
  test("a phase bound to a provider without that role fails at resolution, naming provider, phase and roles", async () => {
    const repo = pipelineRepo(
      '[phases.review]\nprovider = "my_agent"\n[providers.my_agent]\nroles = ["plan", "write"]\ncommand = "my-agent"\noutput_contract = "text"\n',
    );
    const loaded = await pipeline.loadPipelineConfig(repo);
    let error: { code?: string; message?: string } = {};
    try {
      pipeline.resolvePhase(loaded, "review");
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error.code).toBe("provider_role_mismatch");
    expect(error.message).toBe('phase "review" is bound to provider "my_agent", which has the roles plan, write, not "review"');
  });

  test("unknown providers, built-in id clashes and apply executors are config errors", async () => {
    const unknown = await pipeline.loadPipelineConfig(pipelineRepo('[phases.plan]\nprovider = "nope"\n'));
    expect(() => pipeline.resolvePhase(unknown, "plan")).toThrow(/provider "nope", which is not defined/);
    expect(await errorOf(pipeline.loadPipelineConfig(pipelineRepo('[providers.mock]\nroles = ["plan"]\ncommand = "x"\n')))).toMatchObject({
      code: "config_invalid",
    });
    const apply = await errorOf(pipeline.loadPipelineConfig(pipelineRepo('[phases.apply]\nprovider = "codex_cli"\n')));
    expect(apply.message).toContain('phase "apply" does not take a provider');
  });

  test("the legacy .ai/ai-flow.toml loads as defaults under the new keys", async () => {
    const repo = pipelineRepo("", {});
    const legacy =
      '[models]\nplanner = "claude-opus-4-7"\nwriter = "gpt-5.5"\n[commands]\ncodex = "/opt/codex"\n[writer]\nprovider = "codex_cli"\nmax_repair_iterations = 3\n[test]\ncommands = ["npm test"]\n';
    writeFileSync(join(repo, ".ai/patchbay.toml"), "");
    const { rmSync } = await import("node:fs");
    rmSync(join(repo, ".ai/patchbay.toml"));
    writeFileSync(join(repo, ".ai/ai-flow.toml"), legacy);
    const loaded = await pipeline.loadPipelineConfig(repo);
    expect(loaded).toMatchObject({ file: ".ai/ai-flow.toml", legacy: true });
    expect(pipeline.resolvePhase(loaded, "plan")).toMatchObject({ provider: "claude_cli", model: "claude-opus-4-7" });
    expect(pipeline.resolvePhase(loaded, "write")).toMatchObject({ provider: "codex_cli", model: "gpt-5.5", executable: "/opt/codex" });
    expect(pipeline.resolvePhase(loaded, "fix")).toMatchObject({ provider: "codex_cli", model: "gpt-5.5" });
    expect(pipeline.testSettings(loaded).commands).toEqual(["npm test"]);
    expect(pipeline.workflowSettings(loaded).maxFixRounds).toBe(3);
  });

  test("config edits validate and write .ai/patchbay.toml", async () => {
    const repo = pipelineRepo("");
    const editor = { home: tempDir("patchbay-edit-home-"), by: "test", mayTrust: true };
    await pipeline.addCliProvider(repo, editor, "my_agent", {
      roles: ["plan"],
      command: "my-agent",
      args: ["--task-file", "{{prompt_file}}"],
      prompt_mode: "file",
      output_contract: "text",
    });
    await pipeline.setPhase(repo, editor, "plan", { provider: "my_agent", model: "m1" });
    expect(await errorOf(pipeline.setPhase(repo, editor, "review", { provider: "my_agent" }))).toMatchObject({ code: "provider_role_mismatch" });
    await pipeline.addTestCommand(repo, editor, "npm test");
    await pipeline.setCommand(repo, editor, "codex", "/usr/local/bin/codex");
    const loaded = await pipeline.loadPipelineConfig(repo);
    expect(pipeline.resolvePhase(loaded, "plan")).toMatchObject({ provider: "my_agent", model: "m1", executable: "my-agent" });
    expect(pipeline.resolvePhase(loaded, "review").provider).toBe("codex_cli");
    expect(readFileSync(join(repo, ".ai/patchbay.toml"), "utf8")).toContain("npm test");
  });
});

describe("read-only phases and durability", () => {
  test("a reviewer that changes the worktree is caught and the run fails", async () => {
    const script = join(tempDir("patchbay-evil-"), "evil-reviewer.mjs");
    writeFileSync(script, 'import { writeFileSync } from "node:fs";\nwriteFileSync("sneaky.txt", "x");\nconsole.log("PASS");\n');
    const toml = mockToml(`[providers.evil]\nroles = ["review"]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(script)}]\n`).replace(
      '[phases.review]\nprovider = "mock"',
      '[phases.review]\nprovider = "evil"',
    );
    const repo = pipelineRepo(toml, { PASS_ALWAYS: "" });
    const result = await pipeline.drive(repo, "t", await directEnv(repo));
    expect(result).toMatchObject({ outcome: "failed", state: "failed", error: { code: "read_only_violation" } });
    expect(result.run.failure?.message).toContain("the reviewer (evil) changed files in the worktree");
  });

  test("a phase left running by a dead process is marked interrupted and can run again", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, "t", env);
    await pipeline.approve(repo, run.run_id, env);
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    writeFileSync(join(repo, ".ai/runs", run.run_id, "RUN.lock"), JSON.stringify({ phase: "write", pid: dead, since: new Date().toISOString(), token: "t" }));
    const view = await pipeline.status(repo, run.run_id);
    expect(view).toMatchObject({ state: "approved", interrupted: { phase: "write" }, next: "write" });
    expect(view.running).toBeUndefined();
    const written = await pipeline.write(repo, run.run_id, env);
    expect(written.state).toBe("written");
    expect(written.interrupted).toBeUndefined();
    const { events } = await pipeline.readRunEvents(repo, run.run_id);
    expect(events.map((event) => event.action)).toContain("interrupted");
    expect(existsSync(join(repo, ".ai/runs", run.run_id, "PLAN.md"))).toBe(true);
  });

  test("reading a run while a phase takes its lock never breaks the lock: no interrupted mark, no error, the phase's state stays", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    for (let round = 0; round < 20; round++) {
      const run = await pipeline.plan(repo, `t${round}`, env);
      let approving = true;
      const approved = pipeline.approve(repo, run.run_id, env).finally(() => {
        approving = false;
      });
      // The board and the status tool read in the same process as the phase, several at once.
      const failures: unknown[] = [];
      const reader = async () => {
        while (approving) await pipeline.status(repo, run.run_id).catch((error: unknown) => failures.push(error));
      };
      await Promise.all([approved, reader(), reader(), reader(), reader()]);
      expect(failures).toEqual([]);
      const view = await pipeline.status(repo, run.run_id);
      expect(view.state).toBe("approved");
      expect(view.interrupted).toBeUndefined();
      const { events } = await pipeline.readRunEvents(repo, run.run_id);
      expect(events.map((event) => event.action)).not.toContain("interrupted");
    }
  });

  test("a phase held by a live process is run_busy", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, "t", env);
    writeFileSync(
      join(repo, ".ai/runs", run.run_id, "RUN.lock"),
      JSON.stringify({ phase: "approve", pid: process.pid, since: new Date().toISOString(), token: "t" }),
    );
    expect(await errorOf(pipeline.approve(repo, run.run_id, env))).toMatchObject({ code: "run_busy" });
  });
});

describe("MCP tools", () => {
  test("the whole pipeline through patchbay_* tools, agent turns as jobs", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const harness = await toolHarness(PIPELINE_TOOLS, { roots: [repo], mode: "full" }); // it calls ai_flow_* aliases too
    await trustIn(harness.host.home, repo);
    try {
      const planned = await harness.ok<{ run_id: string; state: string; jobs: string[] }>("patchbay_plan", { task: "via tools" });
      expect(planned.state).toBe("planned");
      expect(planned.jobs).toHaveLength(1);
      expect(await harness.errorCode("patchbay_write", { run_id: planned.run_id })).toBe("not_approved");
      await harness.ok("patchbay_approve", { run_id: planned.run_id });
      for (const tool of ["patchbay_write", "patchbay_test", "patchbay_review"]) await harness.ok(tool, { run_id: planned.run_id });
      const diff = await harness.ok<{ diff: string }>("patchbay_diff", { run_id: planned.run_id });
      expect(diff.diff).toContain("PATCHBAY_MOCK.md");
      const applied = await harness.ok<{ state: string }>("patchbay_apply", { run_id: planned.run_id });
      expect(applied.state).toBe("applied");
      const events = await harness.ok<{ events: unknown[] }>("ai_flow_events", { run_id: planned.run_id });
      expect(events.events.length).toBeGreaterThan(8);
      expect(await harness.errorCode("patchbay_artifact", { run_id: planned.run_id, artifact: "../../../etc/passwd" })).toBe("invalid_artifact");
      const plan = await harness.ok<{ content: string }>("patchbay_artifact", { run_id: planned.run_id, artifact: "PLAN.md" });
      expect(plan.content).toContain("# Plan");
      const runs = await harness.ok<{ runs: Array<{ run_id: string }> }>("patchbay_runs", {});
      expect(runs.runs.map((run) => run.run_id)).toEqual([planned.run_id]);
    } finally {
      await harness.close();
    }
  });
});
