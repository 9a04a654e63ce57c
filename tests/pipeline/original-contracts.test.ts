import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import * as pipeline from "../../src/pipeline/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { directEnv, mockToml, pipelineRepo } from "./helpers.ts";

afterAll(() => removeTempDirs());

/** A provider that prints `output` (and, given `writes`, first creates that file in its working directory). */
function printer(id: string, role: string, contract: string, output: string, writes?: string): string {
  const script = join(tempDir("patchbay-contract-"), `${id}.mjs`);
  const write = writes ? `writeFileSync(${JSON.stringify(writes)}, "from the agent\\n");\n` : "";
  writeFileSync(script, `import { writeFileSync } from "node:fs";\n${write}process.stdout.write(${JSON.stringify(output)});\n`);
  return `[providers.${id}]\nroles = ["${role}"]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(script)}]\noutput_contract = "${contract}"\n`;
}

function bind(toml: string, phase: string, provider: string): string {
  return toml.replace(`[phases.${phase}]\nprovider = "mock"`, `[phases.${phase}]\nprovider = "${provider}"`);
}

const PRINTED_DIFF = [
  "Summary of the change.",
  "BEGIN_DIFF",
  "diff --git a/printed.txt b/printed.txt",
  "new file mode 100644",
  "--- /dev/null",
  "+++ b/printed.txt",
  "@@ -0,0 +1 @@",
  "+printed",
  "END_DIFF",
  "",
].join("\n");

const AI_FLOW_PLAN = [
  "BEGIN_AI_FLOW_PLAN_JSON",
  JSON.stringify({ version: 1, summary: "s", affected_files: [{ path: "printed.txt", operation: "create", reason: "r" }] }),
  "END_AI_FLOW_PLAN_JSON",
  "# Plan",
  "",
].join("\n");

describe("custom providers with the original output_contract values", () => {
  test("plan_json, writer_diff and review_verdict providers run a whole run, read as today's contracts", async () => {
    let toml = mockToml(
      printer("planner", "plan", "plan_json", AI_FLOW_PLAN) +
        printer("writer", "write", "writer_diff", PRINTED_DIFF) +
        printer("reviewer", "review", "review_verdict", "CHANGES_REQUESTED\n- printed.txt: say more\n"),
    );
    for (const [phase, provider] of [
      ["plan", "planner"],
      ["write", "writer"],
      ["review", "reviewer"],
    ] as const)
      toml = bind(toml, phase, provider);
    const repo = pipelineRepo(toml, { PASS_ALWAYS: "" });
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, "add printed.txt", env);
    // plan_json: the scope comes from the original plan block.
    expect(run.affected_files).toEqual(["printed.txt"]);
    await pipeline.approve(repo, run.run_id, env);
    // writer_diff: the printed diff is applied in the worktree and becomes FINAL.diff.
    const written = await pipeline.write(repo, run.run_id, env);
    expect(written.changed_files).toEqual(["printed.txt"]);
    expect(readFileSync(join(written.worktree!.path, "printed.txt"), "utf8")).toBe("printed\n");
    await pipeline.test(repo, run.run_id, env);
    // review_verdict: the first word is the verdict.
    const reviewed = await pipeline.review(repo, run.run_id, env);
    expect(reviewed.review).toEqual({ verdict: "changes_requested", findings: "- printed.txt: say more" });
  });

  test("worktree_diff: the writer edits its worktree and the change becomes FINAL.diff", async () => {
    const repo = pipelineRepo(bind(mockToml(printer("editor", "write", "worktree_diff", "edited\n", "edited.txt")), "write", "editor"));
    const env = await directEnv(repo);
    const run = await pipeline.plan(repo, "t", env);
    await pipeline.approve(repo, run.run_id, env);
    const written = await pipeline.write(repo, run.run_id, env);
    expect(written.changed_files).toEqual(["edited.txt"]);
    expect(await pipeline.runDiff(repo, run.run_id)).toContain("+from the agent");
  });

  test("config provider add-cli takes an original value and writes today's name; an unknown value is refused", async () => {
    const repo = pipelineRepo(mockToml());
    const editor = { home: tempDir("patchbay-contract-home-"), by: "test", mayTrust: false };
    await pipeline.addCliProvider(repo, editor, "old", {
      roles: ["write"],
      command: "old-agent",
      args: [],
      prompt_mode: "stdin",
      output_contract: "writer_diff",
    });
    const file = parse(readFileSync(join(repo, ".ai/patchbay.toml"), "utf8")) as { providers: Record<string, { output_contract: string }> };
    expect(file.providers.old!.output_contract).toBe("diff");
    const refused = await pipeline
      .addCliProvider(repo, editor, "bad", { roles: ["write"], command: "x", args: [], prompt_mode: "stdin", output_contract: "patch_json" })
      .then(
        () => undefined,
        (error: { code: string; message: string }) => error,
      );
    expect(refused).toMatchObject({ code: "config_invalid" });
    expect(refused!.message).toContain("writer_diff");
    expect(parse(readFileSync(join(repo, ".ai/patchbay.toml"), "utf8"))).toEqual(file);
  });
});
