/**
 * Jobs are shared by every session of a server, but a session sees only the jobs of repositories
 * inside its allowed roots: any other job is `job_not_found` to it, its status and its result
 * alike. The roots are compared as real paths, kept between calls (src/runtime/kept-realpath.ts),
 * so a root that is a symlink re-pointed elsewhere stops showing the jobs it named at once.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { endedJob } from "./support.ts";

// The job tools are listed from the standard mode on (the default, worker, lists none of these).
const harnesses = harnessSet(JOB_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

test("a job outside the session's roots is job_not_found: another repository, a prefix look-alike, and a symlinked root once re-pointed", async () => {
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
  const lookAlike = `${repo}-evil`;
  mkdirSync(lookAlike);
  const other = realpathSync(makeGitRepo({ "b.txt": "b\n" }));
  const links = tempDir("patchbay-job-scope-");
  const root = join(links, "root");
  symlinkSync(repo, root);
  const h = await harnesses.open(root);

  const mine = endedJob(repo);
  const beside = endedJob(lookAlike);
  const elsewhere = endedJob(other);
  for (const job of [mine, beside, elsewhere]) await h.host.store.put("job", job.id, job);

  expect((await h.ok<{ job_id: string }>("codex_get_status", { job_id: mine.id })).job_id).toBe(mine.id);
  for (const job of [beside, elsewhere]) {
    expect(await h.errorCode("codex_get_status", { job_id: job.id })).toBe("job_not_found");
    expect(await h.errorCode("codex_get_result", { job_id: job.id })).toBe("job_not_found");
  }

  // The root now names the other repository: its job shows, the first one's no longer does.
  rmSync(root);
  symlinkSync(other, root);
  expect(await h.errorCode("codex_get_status", { job_id: mine.id })).toBe("job_not_found");
  expect((await h.ok<{ job_id: string }>("codex_get_status", { job_id: elsewhere.id })).job_id).toBe(elsewhere.id);
});
