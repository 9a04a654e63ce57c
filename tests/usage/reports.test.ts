/**
 * The reports that carry cost: the pipeline's final report (`patchbay run`, phases on the server
 * as jobs and in the CLI without a server) and codex_worker_inspect's report, each matching the
 * ledger's entries for that run or worker.
 */
import { afterAll, expect, test } from "bun:test";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { mockToml, pipelineRepo, trustIn } from "../pipeline/helpers.ts";
import { ledgerEntries } from "./support.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function newHome(): string {
  const home = tempDir("pb-usage-reports-");
  homes.push(home);
  return home;
}

const tokens = (entries: Array<{ input_tokens: number; output_tokens: number }>) => entries.reduce((sum, e) => sum + e.input_tokens + e.output_tokens, 0);

for (const where of ["on the server", "in the CLI (--standalone)"] as const) {
  test(`patchbay run's final report carries the run's usage, one ledger entry per agent phase (${where})`, async () => {
    const home = newHome();
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    await trustIn(home, repo);
    const flags = where === "on the server" ? [] : ["--standalone"];
    const run = await runPatchbay(["run", "--task", "count the cost", "--auto-approve", "--mock", ...flags, "--json"], { home, cwd: repo, timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { outcome: string; run_id: string; usage?: { turns: number; tokens: number } };
    expect(summary.outcome).toBe("applied");
    const entries = ledgerEntries(home).filter((entry) => entry.run === summary.run_id);
    expect(entries.map((entry) => entry.phase).sort()).toEqual(["plan", "review", "write"]);
    expect(entries.every((entry) => entry.repo === repo && entry.agent === "mock")).toBe(true);
    expect(summary.usage).toMatchObject({ turns: 3, tokens: tokens(entries) });
    const text = await runPatchbay(["usage", "--run", summary.run_id], { home });
    expect(text.stdout).toContain(`total: ${tokens(entries)} tokens in 3 turns, no known price`);
  });
}

test("codex_worker_inspect's report carries the worker's usage", async () => {
  const home = newHome();
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const start = await runPatchbay(["worker", "start", "beta", "Say hello", "--agent", "mock", "--repo", repo, "--wait", "--json"], { home, timeoutMs: 60_000 });
  expect(start.code, start.stderr).toBe(0);
  const [entry] = ledgerEntries(home);
  expect(entry).toMatchObject({ worker: "beta", repo });
  const inspect = await runPatchbay(["worker", "inspect", "beta", "--repo", repo, "--json"], { home });
  const report = JSON.parse(inspect.stdout) as { details: { usage: { turns: number; tokens: number } } };
  expect(report.details.usage).toMatchObject({ turns: 1, tokens: tokens([entry!]) });
  const text = await runPatchbay(["worker", "inspect", "beta", "--repo", repo], { home });
  expect(text.stdout).toContain(`usage: ${tokens([entry!])} tokens in 1 turn, no known price`);
});
