import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { git } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { directEnv, mockToml, pipelineRepo, scripted } from "./helpers.ts";

afterAll(() => removeTempDirs());

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; next?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; next?: string };
  }
  throw new Error("expected a failure");
}

describe("pipeline with the mock provider", () => {
  test("plan → approve → write → test (fails) → fix → test → review → apply, with artifacts and events", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const task = scripted("Add a feature", {
      write: { write: { path: "feature.txt", content: "feature\n" }, message: "added feature.txt" },
      fix: { write: { path: "FIXED", content: "1\n" }, message: "fixed" },
    });
    const planned = await pipeline.plan(repo, task, env);
    expect(planned.state).toBe("planned");
    const runDir = join(repo, ".ai/runs", planned.run_id);
    expect(readFileSync(join(runDir, "PLAN.md"), "utf8")).toContain("# Plan");

    expect(await errorOf(pipeline.write(repo, planned.run_id, env))).toMatchObject({ code: "not_approved" });
    await pipeline.approve(repo, planned.run_id, env);
    const written = await pipeline.write(repo, planned.run_id, env);
    expect(written.state).toBe("written");
    expect(written.changed_files).toEqual(["feature.txt"]);
    expect(readFileSync(join(runDir, "FINAL.diff"), "utf8")).toContain("+++ b/feature.txt");

    const failing = await pipeline.test(repo, planned.run_id, env);
    expect(failing.tests?.status).toBe("failed");
    expect((await pipeline.status(repo, planned.run_id)).next).toBe("fix");
    const fixed = await pipeline.fix(repo, planned.run_id, env);
    expect(fixed).toMatchObject({ state: "fixed", fix_rounds: 1 });
    expect(existsSync(join(runDir, "FIX-1.md"))).toBe(true);
    expect((await pipeline.test(repo, planned.run_id, env)).tests?.status).toBe("passed");
    const reviewed = await pipeline.review(repo, planned.run_id, env);
    expect(reviewed.review?.verdict).toBe("approve");
    expect(git(repo, "status", "--porcelain", "--", ".", ":(exclude).ai")).toBe("");
    const applied = await pipeline.apply(repo, planned.run_id, env);
    expect(applied.state).toBe("applied");
    expect(readFileSync(join(repo, "feature.txt"), "utf8")).toBe("feature\n");
    expect(git(repo, "log", "--oneline").split("\n")).toHaveLength(1); // no commit

    const { events } = await pipeline.readRunEvents(repo, planned.run_id);
    const phases = events.filter((event) => event.action !== "start").map((event) => `${event.phase}:${event.action}`);
    expect(phases).toEqual([
      "plan:success",
      "approve:approve_granted",
      "write:success",
      "test:success",
      "fix:success",
      "test:success",
      "review:success",
      "apply:apply_granted",
    ]);
    const planEvent = events.find((event) => event.phase === "plan" && event.action === "success")!;
    expect(planEvent).toMatchObject({ provider: "mock", exit_code: 0 });
    expect(typeof planEvent.duration_ms).toBe("number");
    expect(planEvent.usage).toBeDefined();
  });

  test("write refuses an unapproved run before anything runs", async () => {
    // A writer that would leave a marker: refused, it must never start.
    const marker = join(tempDir("patchbay-writer-"), "ran");
    const writer = `[providers.marker]\nroles = ["write"]\ncommand = "/bin/sh"\nargs = ["-c", ${JSON.stringify(`touch ${marker}`)}]\noutput_contract = "text"\n`;
    const repo = pipelineRepo(mockToml().replace('[phases.write]\nprovider = "mock"', '[phases.write]\nprovider = "marker"') + writer);
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, "x", env);
    expect(await errorOf(pipeline.write(repo, run.run_id, env))).toMatchObject({ code: "not_approved" });
    expect((await pipeline.status(repo, run.run_id)).worktree).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(repo, ".ai/runs", run.run_id, "logs/write.log"))).toBe(false);
    // Approved, the same writer does run: the marker above can tell.
    await pipeline.approve(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env).catch(() => undefined);
    expect(existsSync(marker)).toBe(true);
  });

  test("fix rounds are bounded by workflow.max_fix_rounds", async () => {
    const repo = pipelineRepo(mockToml("[workflow]\nmax_fix_rounds = 1\n"));
    const env = await directEnv(repo);
    const result = await pipeline.drive(repo, scripted("never passes", { write: { write: { path: "a.txt", content: "a" } } }), env);
    expect(result).toMatchObject({ outcome: "stopped", fix_rounds: 1, state: "tested" });
    expect(await errorOf(pipeline.fix(repo, result.run_id, env))).toMatchObject({ code: "fix_limit" });
  });

  test("drive (patchbay run --auto-approve) applies a clean run", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const result = await pipeline.drive(repo, "Write the mock file", await directEnv(repo));
    expect(result).toMatchObject({ outcome: "applied", state: "applied", fix_rounds: 0 });
    expect(readFileSync(join(repo, "PATCHBAY_MOCK.md"), "utf8")).toBe("Write the mock file\n");
  });

  test("review CHANGES_REQUESTED leads to a fix round, then approval", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const task = scripted("t", { review: { message: "CHANGES_REQUESTED\n- a.txt: wrong" } });
    const env = await directEnv(repo);
    let run = await pipeline.plan(repo, task, env);
    await pipeline.approve(repo, run.run_id, env);
    await pipeline.write(repo, run.run_id, env);
    await pipeline.test(repo, run.run_id, env);
    run = await pipeline.review(repo, run.run_id, env);
    expect(run.review).toEqual({ verdict: "changes_requested", findings: "- a.txt: wrong" });
    expect(await errorOf(pipeline.apply(repo, run.run_id, env))).toMatchObject({ code: "not_approved" });
    expect((await pipeline.fix(repo, run.run_id, env)).state).toBe("fixed");
  });

  test("apply conflicts are reported and the base checkout is untouched", async () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const task = scripted("edit readme", { write: { write: { path: "README.md", content: "from the run\n" } } });
    const result = await pipeline.drive(repo, task, env, { apply: false });
    expect(result.outcome).toBe("ready");
    writeFileSync(join(repo, "README.md"), "changed on the base\n");
    git(repo, "commit", "-qam", "base moved");
    const failure = await errorOf(pipeline.apply(repo, result.run_id, env));
    expect(failure.code).toBe("apply_conflict");
    expect(readFileSync(join(repo, "README.md"), "utf8")).toBe("changed on the base\n");
    expect(git(repo, "status", "--porcelain", "--", ".", ":(exclude).ai")).toBe("");
    const view = await pipeline.status(repo, result.run_id);
    expect(view).toMatchObject({ state: "reviewed", failure: { code: "apply_conflict", terminal: false } });
    // Both say what can move the run on, with its id: applying again would only conflict again, and fix has nothing to fix.
    expect(failure.next).toContain(`patchbay diff ${result.run_id} > run.patch`);
    expect(failure.next).not.toContain("<");
    expect(view.next_step).toContain(`patchbay cancel ${result.run_id}`);
    expect(view.next_step).not.toContain(`patchbay apply ${result.run_id}`);
    expect((await pipeline.cancelRun(repo, result.run_id, env)).state).toBe("cancelled");
  });

  test("an unsafe patch fails the run with the reason", async () => {
    const repo = pipelineRepo(mockToml());
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, scripted("leak", { write: { write: { path: ".env.local", content: "SECRET=1" } } }), env);
    await pipeline.approve(repo, run.run_id, env);
    const failure = await errorOf(pipeline.write(repo, run.run_id, env));
    expect(failure.code).toBe("unsafe_patch");
    expect(failure.message).toContain(".env.local");
    const view = await pipeline.status(repo, run.run_id);
    expect(view).toMatchObject({ state: "failed", failure: { code: "unsafe_patch", terminal: true } });
    expect(await errorOf(pipeline.test(repo, run.run_id, env))).toMatchObject({ code: "run_finished" });
  });
});
