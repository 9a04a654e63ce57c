/**
 * Issue #15: `patchbay config test add` is the operator's own edit, so a file that was trusted (or
 * needed no trust) stays trusted and the next test phase runs the command without `config trust`;
 * the command says so. A file holding settings nobody trusted stays refused, and it says that too.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { pipelineRepo } from "./helpers.ts";

afterAll(removeTempDirs);

const BUILT_IN_ONLY = '[phases.plan]\nprovider = "mock"\n[phases.write]\nprovider = "mock"\n[phases.review]\nprovider = "mock"\n';

/** A repository whose test command, once added, leaves `marker` behind when it runs. */
function markingRepo(toml: string): { repo: string; command: string; marker: string } {
  const marker = join(tempDir("patchbay-test-ran-"), "ran");
  const repo = pipelineRepo(toml, { "mark.mjs": 'import { writeFileSync } from "node:fs";\nwriteFileSync(process.argv[2], "ran\\n");\n' });
  return { repo, command: `${process.execPath} mark.mjs ${marker}`, marker };
}

test("config test add on a file of built-in providers: it says the next test phase runs it, and the test phase does, without config trust", async () => {
  const home = tempDir("patchbay-test-add-home-");
  const { repo, command, marker } = markingRepo(BUILT_IN_ONLY);
  const added = await runPatchbay(["config", "test", "add", command, "--repo", repo], { home });
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout.trim().split("\n")).toHaveLength(1);
  expect(added.stdout).toStartWith(`the next test phase will run ${command} as you`);
  expect(added.stderr).not.toContain("config trust");

  const run = await runPatchbay(["run", "--task", "t", "--auto-approve", "--mock", "--standalone", "--no-apply", "--repo", repo, "--json"], {
    home,
    timeoutMs: 120_000,
  });
  expect(run.code, run.stderr).toBe(0);
  expect(existsSync(marker)).toBe(true);
}, 150_000);

test("config test add on a file with a setting nobody trusted: it says it runs only after trust, and no phase runs it", async () => {
  const home = tempDir("patchbay-test-add-home-");
  const { repo, command, marker } = markingRepo(`${BUILT_IN_ONLY}[workflow]\nallow_apply_without_tests = true\n`);
  const added = await runPatchbay(["config", "test", "add", command, "--repo", repo], { home });
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout).toStartWith(`added to the test phase: ${command}; it runs once you trust the file`);
  expect(added.stderr).toContain(`patchbay config trust --repo ${repo}`);

  const run = await runPatchbay(["run", "--task", "t", "--auto-approve", "--mock", "--standalone", "--no-apply", "--repo", repo, "--json"], {
    home,
    timeoutMs: 120_000,
  });
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain("pipeline_config_untrusted");
  expect(existsSync(marker)).toBe(false);
}, 150_000);
