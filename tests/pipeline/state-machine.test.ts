import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { directEnv, mockToml, pipelineRepo, scripted, TEST_COMMAND, trustIn } from "./helpers.ts";

afterAll(() => removeTempDirs());

type Env = pipeline.PipelineEnv;

/** Each `next` a status can name, as the command a person would run for it. */
const RUN_NEXT: Record<string, (repo: string, runId: string, env: Env) => Promise<unknown>> = {
  plan: (repo, id, env) => pipeline.replan(repo, id, env),
  approve: pipeline.approve,
  write: pipeline.write,
  test: pipeline.test,
  review: pipeline.review,
  fix: pipeline.fix,
  apply: pipeline.apply,
  cancel: pipeline.cancelRun,
};
/** The event of a phase that went through. */
const DONE = new Set(["success", "approve_granted", "apply_granted", "cancelled"]);
/** Every state the walks below started a `next` from. */
const visited = new Set<string>();

/** The state with what decides the way forward: `tested(failed)`, `reviewed(approve, passed)`. */
function label(view: pipeline.RunView): string {
  const why = [view.review?.verdict, view.state === "tested" || view.state === "reviewed" ? view.tests?.status : undefined].filter(Boolean);
  return `${view.state}${why.length ? `(${why.join(", ")})` : ""}`;
}

/**
 * Runs the `next` the run's status names, and checks that it was accepted and moved the run: the
 * phase ran through (its success event), the record changed. Returns "state -> next".
 */
async function follow(repo: string, runId: string, env: Env): Promise<string> {
  const before = await pipeline.status(repo, runId);
  const step = `${label(before)} -> ${before.next}`;
  expect(before.next, `${step}: ${before.next_step}`).toBeDefined();
  expect(before.next_step).toContain(`patchbay ${before.next}`);
  const since = (await pipeline.readRunEvents(repo, runId)).next;
  await RUN_NEXT[before.next!]!(repo, runId, env).catch((error: { code?: string; message?: string }) => {
    throw new Error(`${step} was refused: ${error.code}: ${error.message}`);
  });
  const { events } = await pipeline.readRunEvents(repo, runId, { since });
  expect(events.filter((event) => event.phase === before.next && DONE.has(event.action)).length, step).toBe(1);
  expect((await pipeline.status(repo, runId)).updated_at).not.toBe(before.updated_at);
  visited.add(before.state);
  return step;
}

/** Follows `next` until the run is over; returns each step and the final view. */
async function walk(repo: string, runId: string, env: Env, before?: () => Promise<void>): Promise<{ steps: string[]; end: pipeline.RunView }> {
  const steps: string[] = [];
  for (let view = await pipeline.status(repo, runId); view.next; view = await pipeline.status(repo, runId)) {
    if (steps.length > 20) throw new Error(`no end after ${steps.join(", ")}`);
    await before?.();
    steps.push(await follow(repo, runId, env));
  }
  return { steps, end: await pipeline.status(repo, runId) };
}

/** A run that is over names no phase, says how to go on, and refuses every phase. */
async function expectOver(repo: string, runId: string, env: Env, state: pipeline.RunState): Promise<void> {
  const view = await pipeline.status(repo, runId);
  expect(view.state).toBe(state);
  expect(view.next).toBeUndefined();
  expect(view.next_step).toContain(state === "applied" ? "done" : "start a new run with patchbay plan");
  for (const phase of ["approve", "write", "test", "review", "fix", "apply"]) {
    const refused = await RUN_NEXT[phase]!(repo, runId, env).then(
      () => undefined,
      (error: { code: string }) => error.code,
    );
    expect(refused).toBe("run_finished");
  }
  visited.add(state);
}

const writesA = (task: string, extra: Record<string, unknown> = {}) => scripted(task, { write: { write: { path: "a.txt", content: "a\n" } }, ...extra });
const fixesTests = { fix: { write: { path: "FIXED", content: "1\n" }, message: "fixed" } };

describe("the run state machine: every next a status names is accepted and moves the run", () => {
  test("failing tests, then a fix: plan to applied", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, writesA("t", fixesTests), env);
    const { steps, end } = await walk(repo, run.run_id, env);
    expect(steps).toEqual([
      "planned -> approve",
      "approved -> write",
      "written -> test",
      "tested(failed) -> fix",
      "fixed -> test",
      "tested(passed) -> review",
      "reviewed(approve, passed) -> apply",
    ]);
    expect(end.state).toBe("applied");
    await expectOver(repo, run.run_id, env, "applied");
  });

  test("an approving review after failing tests leads to fix, not to an apply that refuses", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, writesA("t", fixesTests), env);
    await pipeline.approve(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env);
    expect((await pipeline.test(repo, run.run_id, env)).tests?.status).toBe("failed");
    // The person reviews before fixing; the reviewer approves the code.
    expect((await pipeline.review(repo, run.run_id, env)).review?.verdict).toBe("approve");
    const { steps, end } = await walk(repo, run.run_id, env);
    expect(steps).toEqual(["reviewed(approve, failed) -> fix", "fixed -> test", "tested(passed) -> review", "reviewed(approve, passed) -> apply"]);
    expect(end.state).toBe("applied");
  });

  test("changes requested every time: fix rounds until the limit, then the run can only be cancelled", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, writesA("t", { review: { message: "CHANGES_REQUESTED\n- a.txt: wrong" } }), env);
    const { steps, end } = await walk(repo, run.run_id, env);
    const round = ["reviewed(changes_requested, passed) -> fix", "fixed -> test", "tested(passed) -> review"];
    expect(steps).toEqual([
      "planned -> approve",
      "approved -> write",
      "written -> test",
      "tested(passed) -> review",
      ...round,
      ...round,
      "reviewed(changes_requested, passed) -> cancel",
    ]);
    expect(end.state).toBe("cancelled");
    await expectOver(repo, run.run_id, env, "cancelled");
  });

  test("failing tests with no fix round allowed: the status says how to raise the limit, and next is cancel", async () => {
    const repo = pipelineRepo(mockToml("[workflow]\nmax_fix_rounds = 0\n"));
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, writesA("t"), env);
    await pipeline.approve(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env);
    await pipeline.test(repo, run.run_id, env);
    const view = await pipeline.status(repo, run.run_id);
    expect(view.next_step).toContain("workflow.max_fix_rounds = 0");
    expect((await walk(repo, run.run_id, env)).steps).toEqual(["tested(failed) -> cancel"]);
  });

  test("no test command: next is test, which passes once a command is added; a review given meanwhile is kept", async () => {
    const toml = mockToml().replace(`commands = [${JSON.stringify(TEST_COMMAND)}]`, "commands = []");
    const repo = pipelineRepo(toml, { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, writesA("t"), env);
    await pipeline.approve(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env);
    expect((await pipeline.test(repo, run.run_id, env)).tests?.status).toBe("skipped");
    expect((await pipeline.status(repo, run.run_id)).next).toBe("test");
    await pipeline.review(repo, run.run_id, env);
    const view = await pipeline.status(repo, run.run_id);
    expect(view.next_step).toContain("patchbay config test add");
    // What the status says to do first: add a test command (the operator trusts the edited file).
    await pipeline.addTestCommand(repo, { home: env.home, by: "test", mayTrust: false }, TEST_COMMAND);
    await trustIn(env.home, repo);
    const { steps, end } = await walk(repo, run.run_id, env);
    expect(steps).toEqual(["reviewed(approve, skipped) -> test", "reviewed(approve, passed) -> apply"]);
    expect(end.state).toBe("applied");
  });

  test("a plan that failed: next is plan, which runs the planner again in the same run", async () => {
    const marker = join(tempDir("patchbay-planner-"), "ready");
    const script = join(tempDir("patchbay-planner-"), "planner.mjs");
    writeFileSync(
      script,
      `import { existsSync } from "node:fs";\nif (!existsSync(${JSON.stringify(marker)})) { console.error("not ready"); process.exit(3); }\nconsole.log("# Plan");\n`,
    );
    const planner = `[providers.flaky]\nroles = ["plan"]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(script)}]\n`;
    const repo = pipelineRepo(mockToml(planner).replace('[phases.plan]\nprovider = "mock"', '[phases.plan]\nprovider = "flaky"'), { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const failed = await pipeline.plan(repo, "t", env).then(
      () => undefined,
      (error: { code: string }) => error.code,
    );
    expect(failed).toBe("agent_failed");
    const [runId] = await pipeline.listRunIds(repo);
    expect((await pipeline.status(repo, runId!)).next_step).toContain(`patchbay plan --run-id ${runId}`);
    const { steps, end } = await walk(repo, runId!, env, async () => writeFileSync(marker, ""));
    expect(steps[0]).toBe("new -> plan");
    expect(end.state).toBe("applied");
  });

  test("a phase a dead process left: next is that phase again", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, writesA("t"), env);
    await pipeline.approve(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env);
    await pipeline.test(repo, run.run_id, env);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    writeFileSync(join(repo, ".ai/runs", run.run_id, "RUN.lock"), JSON.stringify({ phase: "review", pid: dead, since: new Date().toISOString(), token: "t" }));
    const { steps } = await walk(repo, run.run_id, env);
    expect(steps).toEqual(["tested(passed) -> review", "reviewed(approve, passed) -> apply"]);
  });

  test("a run failed by the patch safety rules names no phase and refuses them all", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, scripted("leak", { write: { write: { path: ".env.local", content: "SECRET=1" } } }), env);
    await follow(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env).catch(() => undefined);
    await expectOver(repo, run.run_id, env, "failed");
  });

  test("the walks above started from every state a run can be in, and ended in every final one", () => {
    expect([...visited].sort()).toEqual([...pipeline.RUN_STATES].sort());
  });
});
