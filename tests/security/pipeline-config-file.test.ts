/**
 * Issue #11, finding 5 for the pipeline's own config file: `.ai/patchbay.toml` is read and
 * written through the same guarded `.ai` I/O as the run folder. A committed `.ai` link never
 * shows an outside TOML or takes an edit outside; a FIFO in its place answers at once.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PIPELINE_TOOLS } from "../../src/pipeline/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const harnesses = harnessSet(PIPELINE_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const OUTSIDE_TOML = '[phases.plan]\nprovider = "mock"\nmodel = "outside-marker-7f2e"\n';
const codeOf = (result: { _meta?: Record<string, unknown> }) => (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code;

test("a linked .ai: config show refuses instead of showing the outside file, and an edit leaves it as it was", async () => {
  const outside = tempDir("patchbay-outside-ai-");
  writeFileSync(join(outside, "patchbay.toml"), OUTSIDE_TOML);
  const repo = makeGitRepo({ "README.md": "hi\n" });
  symlinkSync(outside, join(repo, ".ai"));
  const h = await harnesses.open(repo);
  const shown = await h.call("patchbay_config_show", {});
  expect(codeOf(shown)).toBe("pipeline_path_unsafe");
  expect(JSON.stringify(shown)).not.toContain("outside-marker-7f2e");
  const edited = await h.call("patchbay_config_phase_set", { phase: "plan", provider: "codex_cli" });
  expect(codeOf(edited)).toBe("pipeline_path_unsafe");
  expect(readFileSync(join(outside, "patchbay.toml"), "utf8")).toBe(OUTSIDE_TOML);
});

test("a FIFO in place of .ai/patchbay.toml is refused at once, not waited on", async () => {
  const repo = makeGitRepo({ "README.md": "hi\n", ".ai/keep": "" });
  rmSync(join(repo, ".ai/keep"));
  execFileSync("mkfifo", [join(repo, ".ai/patchbay.toml")]);
  const h = await harnesses.open(repo);
  // No opener ever writes to the FIFO: a blocking read would hang this call for good.
  const shown = await h.call("patchbay_config_show", {});
  expect(shown.isError).toBe(true);
});
