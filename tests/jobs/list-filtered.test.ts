/**
 * Issue #16, scale: the board shows the newest 1,000 jobs of its repositories and asks the job
 * runtime for just those (`jobs.list({ limit, where })`), which reads a batch at a time from the
 * newest and stops once it has them, instead of every job ever run. Its answer is the newest
 * `limit` of the full list that pass; a damaged record older than what it needs is never read.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobRecord } from "../../src/jobs/record.ts";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { endedJob } from "./support.ts";

const harnesses = harnessSet(JOB_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

test("the newest jobs that pass a filter, read from the newest until there are enough", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const other = makeGitRepo({ "b.txt": "b\n" });
  const h = await harnesses.open(repo);
  const start = Date.now() - 400_000;
  // 400 jobs, every third in `repo`, the oldest first.
  const stored: JobRecord[] = Array.from({ length: 400 }, (_, i) => endedJob(i % 3 === 0 ? repo : other, start + i * 1000, { cwd: repo }));
  for (const job of stored) await h.host.store.put("job", job.id, job);
  const newestFirst = [...stored].reverse();
  const inRepo = (job: JobRecord) => job.repo === repo;

  const ids = (jobs: JobRecord[]) => jobs.map((job) => job.id);
  expect(ids(await h.host.jobs.list({ limit: 30, where: inRepo }))).toEqual(ids(newestFirst.filter(inRepo).slice(0, 30)));
  expect(ids(await h.host.jobs.list({ limit: 500, where: inRepo }))).toEqual(ids(newestFirst.filter(inRepo)));
  expect(ids(await h.host.jobs.list({ limit: 7 }))).toEqual(ids(newestFirst.slice(0, 7)));
  expect(ids(await h.host.jobs.list())).toEqual(ids(newestFirst));

  // The oldest job's record damaged: a list that needs only newer jobs answers; one that reads it all fails.
  const stateDir = join(h.host.home, "state");
  const [oldestFile] = readdirSync(stateDir, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(stored[0]!.id));
  writeFileSync(join(stateDir, oldestFile!), "{ not json");
  expect(ids(await h.host.jobs.list({ limit: 100, where: inRepo }))).toEqual(ids(newestFirst.filter(inRepo).slice(0, 100)));
  await expect(h.host.jobs.list()).rejects.toThrow();
});
