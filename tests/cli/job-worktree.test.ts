/**
 * An --isolated job's worktree from the shell, through the binary with the mock agent: its whole
 * diff, bringing it into the checkout (preview first, refused on a dirty conflicting base), its
 * removal (worktree folder and branch) by hand or by the retention sweep; --apply still works.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mockPrompt } from "../jobs/support.ts";
import { until } from "../support/until.ts";
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

  const listed = (await runPatchbay(["job", "list"], { home })).stdout.split("\n");
  expect(listed[0]).toMatch(/^ID +STATE +KIND +AGENT +WHERE$/);
  expect(listed[1]).toMatch(new RegExp(`^${job.job_id} +succeeded +apply +mock +${job.worktree.path}$`));

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
  // Once cleaned, show points at nothing that is gone, nor at commands that would only fail.
  const shown = await runPatchbay(["job", "show", job.job_id], { home });
  expect(shown.stdout.split("\n")[0]).toBe(`${job.job_id} succeeded (apply, mock) in ${repo} (worktree cleaned)`);
  expect(shown.stdout).not.toMatch(/job diff|job integrate|branch: /);
}, 90_000);

test("job diff is the patch integration applies: git apply takes its new files as the job left them, and a link out of the worktree is named, never read", async () => {
  const home = tempDir("patchbay-job-worktree-");
  homes.push(home);
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const outside = join(tempDir("patchbay-job-outside-"), "secret.txt");
  writeFileSync(outside, "outside the worktree\n");
  const prompt = mockPrompt({
    write: [
      { path: "no-newline.txt", content: "last line without newline" },
      { path: "a.txt", content: "a\nb\n" },
    ],
    message: "wrote",
  });
  const run = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--isolated", "--json", prompt], { home, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  const job = JSON.parse(run.stdout) as { job_id: string; worktree: { path: string } };
  // What an agent could leave behind: a link to a file of the user's outside the repository.
  symlinkSync(outside, join(job.worktree.path, "leak.txt"));

  const diff = await runPatchbay(["job", "diff", job.job_id], { home });
  expect(diff.code, diff.stderr).toBe(0);
  expect(diff.stdout).not.toContain("outside the worktree");
  expect(diff.stderr).toContain("leak.txt");
  const patch = join(tempDir("patchbay-job-patch-"), "job.patch");
  writeFileSync(patch, diff.stdout);
  git(repo, "apply", patch);
  expect(readFileSync(join(repo, "no-newline.txt"), "utf8")).toBe("last line without newline");
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("a\nb\n");
  expect(existsSync(join(repo, "leak.txt"))).toBe(false);

  const json = JSON.parse((await runPatchbay(["job", "diff", job.job_id, "--json"], { home })).stdout) as {
    files: string[];
    unsafe_files: Array<{ path: string }>;
  };
  expect(json.files).toEqual(["a.txt", "no-newline.txt"]);
  expect(json.unsafe_files.map((file) => file.path)).toEqual(["leak.txt"]);
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

function newHome(config = ""): string {
  const home = tempDir("patchbay-job-worktree-");
  homes.push(home);
  if (config) writeFileSync(join(home, "config.toml"), config);
  return home;
}

async function isolatedJob(home: string, repo: string, prompt: string): Promise<{ job_id: string; worktree: { path: string; branch: string } }> {
  const run = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--isolated", "--json", prompt], { home, timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { job_id: string; worktree: { path: string; branch: string } };
}

test("job integrate: the preview changes nothing; a dirty conflicting base is refused; then the change lands uncommitted", async () => {
  const home = newHome();
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const job = await isolatedJob(home, repo, mockPrompt({ write: { path: "a.txt", content: "from the job\n" }, message: "edited a" }));

  const preview = await runPatchbay(["job", "integrate", job.job_id, "--preview"], { home });
  expect(preview.code, preview.stderr).toBe(0);
  expect(preview.stdout).toBe("would apply: a.txt\n");
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("a\n");

  writeFileSync(join(repo, "a.txt"), "mine, not committed\n");
  const refused = await runPatchbay(["job", "integrate", job.job_id], { home });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`the base checkout ${repo} has uncommitted changes`);
  expect(refused.stderr).toContain("--allow-dirty-base");
  expect(refused.stderr).not.toMatch(/codex_|allow_dirty_base/);
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("mine, not committed\n");
  // Even when allowed, a conflicting dirty base is refused and left as it was.
  const conflict = await runPatchbay(["job", "integrate", job.job_id, "--allow-dirty-base"], { home });
  expect(conflict.code).toBe(1);
  expect(conflict.stderr).toContain("does not apply");
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("mine, not committed\n");

  git(repo, "checkout", "--", "a.txt");
  const applied = await runPatchbay(["job", "integrate", job.job_id], { home });
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toBe("applied: a.txt (not committed)\n");
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("from the job\n");
  expect(git(repo, "status", "--porcelain")).toBe("M a.txt");
  // Integrated again (the change not committed yet): it is there already, no base moved.
  const again = await runPatchbay(["job", "integrate", job.job_id, "--allow-dirty-base"], { home });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(`job ${job.job_id}'s change is already in the base checkout ${repo}`);
  expect(again.stderr).not.toContain("moved");
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("from the job\n");
}, 120_000);

test("the retention sweep removes a finished job's worktree and branch, not a running job's", async () => {
  const home = newHome("[server]\nmax_concurrent_jobs = 2\njob_worktree_retention_days = 0\n");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const started = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "--isolated", "--detach", "--json", mockPrompt({ sleep_ms: 60_000 })], {
    home,
    timeoutMs: 60_000,
  });
  expect(started.code, started.stderr).toBe(0);
  const running = JSON.parse(started.stdout) as { job_id: string; worktree: { path: string; branch: string } };
  await until(async () => JSON.parse((await runPatchbay(["job", "show", running.job_id, "--json"], { home })).stdout).state, "the job to run", {
    accept: (state) => state === "running",
  });

  const finished = await isolatedJob(home, repo, mockPrompt({ write: { path: "b.txt", content: "b\n" }, message: "wrote b" }));
  await until(() => !existsSync(finished.worktree.path), "the finished job's worktree to be removed");
  await until(() => git(repo, "branch", "--list", finished.worktree.branch), "the finished job's branch to be deleted", { accept: (listed) => listed === "" });
  expect(existsSync(running.worktree.path)).toBe(true);
  expect(git(repo, "branch", "--list", running.worktree.branch)).not.toBe("");
  expect((await runPatchbay(["job", "cancel", running.job_id], { home })).code).toBe(0);
}, 120_000);

test("job integrate --run-tests: a change that breaks the trusted tests is refused with their output and the checkout untouched; a good one lands committed with --commit", async () => {
  const home = newHome();
  const repo = makeGitRepo({
    "value.txt": "good\n",
    "check.sh": 'grep -qx good value.txt || { echo "value.txt is not good: $(cat value.txt)"; exit 3; }\necho checked\n',
    ".ai/patchbay.toml": '[phases.test]\ncommands = ["sh check.sh"]\n',
  });
  expect((await runPatchbay(["config", "trust", "--repo", repo], { home })).code).toBe(0);

  const bad = await isolatedJob(home, repo, mockPrompt({ write: { path: "value.txt", content: "bad\n" }, message: "broke it" }));
  const refused = await runPatchbay(["job", "integrate", bad.job_id, "--run-tests"], { home, timeoutMs: 120_000 });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("`sh check.sh` exited 3");
  expect(refused.stderr).toContain("value.txt is not good: bad");
  expect(refused.stderr).not.toMatch(/\bcodex_|run_tests/);
  expect(readFileSync(join(repo, "value.txt"), "utf8")).toBe("good\n");
  expect(git(repo, "status", "--porcelain")).toBe("");

  const good = await isolatedJob(home, repo, mockPrompt({ write: { path: "notes.txt", content: "notes\n" }, message: "wrote notes" }));
  const landed = await runPatchbay(["job", "integrate", good.job_id, "--run-tests", "--commit", "Land the job"], { home, timeoutMs: 120_000 });
  expect(landed.code, landed.stderr).toBe(0);
  expect(landed.stdout).toMatch(/^applied: notes\.txt \(committed [0-9a-f]{12}\)\n$/);
  expect(git(repo, "log", "--format=%s", "-1")).toBe("Land the job");
  expect(readFileSync(join(repo, "notes.txt"), "utf8")).toBe("notes\n");
  expect(git(repo, "status", "--porcelain")).toBe("");
}, 180_000);
