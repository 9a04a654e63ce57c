/**
 * An --isolated job's worktree from the shell, through the binary with the mock agent: its whole
 * diff, and its removal (worktree folder and branch), once; --apply still works, with a note.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mockPrompt } from "../jobs/support.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

test("job diff shows an isolated job's change; job clean removes its worktree and branch, and says so only once", async () => {
  const home = tempDir("patchbay-job-worktree-");
  homes.push(home);
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const prompt = mockPrompt({ write: { path: "b.txt", content: "new line\n" }, message: "wrote b" });
  const run = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--isolated", "--json", prompt], { home, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  const job = JSON.parse(run.stdout) as { job_id: string; worktree: { path: string; branch: string } };
  expect(existsSync(job.worktree.path)).toBe(true);
  expect(existsSync(`${repo}/b.txt`)).toBe(false); // the checkout is not touched

  const diff = await runPatchbay(["job", "diff", job.job_id], { home });
  expect(diff.code, diff.stderr).toBe(0);
  expect(diff.stdout).toContain("+++ b/b.txt");
  expect(diff.stdout).toContain("+new line");

  const clean = await runPatchbay(["job", "clean", job.job_id], { home });
  expect(clean.code, clean.stderr).toBe(0);
  expect(clean.stdout).toBe(`removed ${job.worktree.path} and branch ${job.worktree.branch}\n`);
  expect(existsSync(job.worktree.path)).toBe(false);
  expect(git(repo, "branch", "--list", job.worktree.branch)).toBe("");
  expect((await runPatchbay(["job", "clean", job.job_id], { home })).stdout).toBe(`job ${job.job_id}'s worktree and branch were already gone\n`);
}, 90_000);

test("--apply still runs an isolated job and says it is now --isolated; a read-only job has no worktree to diff", async () => {
  const home = tempDir("patchbay-job-worktree-");
  homes.push(home);
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const old = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--apply", "--json", mockPrompt({ message: "ok" })], {
    home,
    timeoutMs: 60_000,
  });
  expect(old.code, old.stderr).toBe(0);
  expect(old.stderr).toContain("patchbay: --apply is now --isolated");
  expect((JSON.parse(old.stdout) as { worktree?: object }).worktree).toBeDefined();

  const plain = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--json", mockPrompt({ message: "ok" })], { home, timeoutMs: 60_000 });
  const { job_id } = JSON.parse(plain.stdout) as { job_id: string };
  const refused = await runPatchbay(["job", "diff", job_id], { home });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("without a worktree of its own");
}, 90_000);
