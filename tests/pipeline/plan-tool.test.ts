import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import * as pipeline from "../../src/pipeline/index.ts";
import { PIPELINE_TOOLS } from "../../src/pipeline/tools/index.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { toolHarness } from "../support/tools.ts";
import { mockToml, pipelineRepo, scripted, trustIn } from "./helpers.ts";

afterAll(() => removeTempDirs());

describe("patchbay_plan", () => {
  test("background: returns as soon as the planner holds the run; status follows it to planned", async () => {
    const repo = pipelineRepo(mockToml());
    const harness = await toolHarness(PIPELINE_TOOLS, { roots: [repo], mode: "standard", power: { bashMode: "full" } });
    await trustIn(harness.host.home, repo);
    try {
      const task = scripted("slow plan", { plan: { sleep_ms: 3_000, message: "# Plan\n\n1. slow" } });
      const started = await harness.ok<{ run_id: string; state: string; running?: string }>("patchbay_plan", { task, background: true });
      expect(started).toMatchObject({ state: "new", running: "plan" });
      await until(async () => (await harness.ok<{ state: string }>("patchbay_status", { run_id: started.run_id })).state, "the run to be planned", {
        accept: (state) => state === "planned",
      });
      const plan = await harness.ok<{ content: string }>("patchbay_artifact", { run_id: started.run_id, artifact: "PLAN.md" });
      expect(plan.content).toContain("1. slow");
    } finally {
      await harness.close();
    }
  });

  test("run_id instead of task plans a run whose plan failed again; both or neither is refused", async () => {
    const broken = '[providers.gone]\nroles = ["plan"]\ncommand = "/nonexistent/planner"\n';
    const repo = pipelineRepo(mockToml(broken).replace('[phases.plan]\nprovider = "mock"', '[phases.plan]\nprovider = "gone"'));
    const harness = await toolHarness(PIPELINE_TOOLS, { roots: [repo], mode: "standard" });
    await trustIn(harness.host.home, repo);
    try {
      expect(await harness.errorCode("patchbay_plan", {})).toBe("invalid_arguments");
      // The configured planner is not installed; the mock planner then plans the same run.
      await harness.errorCode("patchbay_plan", { task: "t" });
      const [runId] = await pipeline.listRunIds(repo);
      expect(await harness.errorCode("patchbay_plan", { task: "t", run_id: runId })).toBe("invalid_arguments");
      const status = await harness.ok<{ state: string; next: string }>("patchbay_status", { run_id: runId });
      expect(status).toMatchObject({ state: "new", next: "plan" });
      const again = await harness.ok<{ run_id: string; state: string }>("patchbay_plan", { run_id: runId, mock: true });
      expect(again).toMatchObject({ run_id: runId, state: "planned" });
    } finally {
      await harness.close();
    }
  });

  test("patchbay_config_provider_add_cli takes the original output_contract names", async () => {
    const repo = pipelineRepo(mockToml());
    const harness = await toolHarness(PIPELINE_TOOLS, { roots: [repo], mode: "standard", power: { bashMode: "full" } });
    try {
      for (const [id, contract] of [
        ["w", "writer_diff"],
        ["t", "worktree_diff"],
        ["p", "plan_json"],
        ["r", "review_verdict"],
      ])
        await harness.ok("patchbay_config_provider_add_cli", { provider_id: id, roles: ["write"], command: "agent", output_contract: contract });
      const file = parse(readFileSync(join(repo, ".ai/patchbay.toml"), "utf8")) as { providers: Record<string, { output_contract: string }> };
      expect(Object.fromEntries(Object.entries(file.providers).map(([id, provider]) => [id, provider.output_contract]))).toEqual({
        w: "diff",
        t: "text",
        p: "text",
        r: "text",
      });
    } finally {
      await harness.close();
    }
  });
});
