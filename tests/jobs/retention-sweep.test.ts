/**
 * Issue #16, scale: the retention sweep reads every job and session handle, so a job's end runs
 * it at most once an hour after the last one (retention is counted in days). Shown by its effect:
 * a worktree past its retention stays through another job's end within the hour and goes at the
 * next sweep. With a retention of 0 days every end still sweeps (tests/cli/job-worktree.test.ts).
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { JobRecord } from "../../src/jobs/record.ts";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { mockPrompt } from "./support.ts";

const harnesses = harnessSet(JOB_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const DAY = 86_400_000;

test("within an hour of a sweep a job's end sweeps no more; the next sweep removes what passed its retention", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const { jobs, store } = h.host;
  await jobs.recover();
  const isolated = async (message: string) => {
    const job = await jobs.submit({ agent: "mock", prompt: mockPrompt({ message }), repo, kind: "apply", access: "write", isolate: true });
    const done = await jobs.wait(job.id, 30_000);
    expect(done.state).toBe("succeeded");
    return done;
  };
  const old = await isolated("old");
  await store.update<JobRecord>("job", old.id, (current) => ({ ...current!.data, finished_at: new Date(Date.now() - 8 * DAY).toISOString() }));

  await isolated("new");
  expect(existsSync(old.worktree!.path)).toBe(true);
  expect(await jobs.sweepWorktrees()).toEqual([old.worktree!.path]);
  expect(existsSync(old.worktree!.path)).toBe(false);
});
