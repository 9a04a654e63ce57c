/** Issue #15: `patchbay job list` shows a cleaned job's worktree as cleaned, not the path that no longer exists. */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mockPrompt } from "../jobs/support.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

test("job list's WHERE is the worktree while it exists and the repository marked cleaned after job clean", async () => {
  const home = tempDir("patchbay-job-list-");
  homes.push(home);
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const prompt = mockPrompt({ write: { path: "b.txt", content: "b\n" }, message: "wrote b" });
  const run = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--isolated", "--json", prompt], { home, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  const job = JSON.parse(run.stdout) as { job_id: string; repo: string; worktree: { path: string } };
  const rowOf = async () => (await runPatchbay(["job", "list"], { home })).stdout.split("\n").find((line) => line.startsWith(job.job_id));

  expect(await rowOf()).toMatch(new RegExp(`^${job.job_id} +succeeded +apply +mock +${job.worktree.path}$`));
  expect((await runPatchbay(["job", "clean", job.job_id], { home })).code).toBe(0);
  expect(existsSync(job.worktree.path)).toBe(false);

  const row = await rowOf();
  expect(row).toMatch(new RegExp(`^${job.job_id} +succeeded +apply +mock +${job.repo} \\(worktree cleaned\\)$`));
  expect(row).not.toContain(job.worktree.path);
}, 90_000);
