/**
 * A running job's agent session is shown to callers only once it is saved: a caller told
 * "session s-1" must be able to resume it after the server is killed (tests/jobs/binary.test.ts
 * kills it; under load the save could still be on its way, since the job index is written
 * before the record). Shown here without a race: the record's save is held, the session stays
 * hidden (job status, the session's jobs); the save let through, it shows.
 */
import { afterAll, expect, test } from "bun:test";
import type { JobRecord } from "../../src/jobs/record.ts";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { until } from "../support/until.ts";
import { mockPrompt } from "./support.ts";

const harnesses = harnessSet(JOB_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

test("a session is not shown while its save is on its way, and is once it is saved", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const { jobs, store } = h.host;
  // The job runtime writes through this same store: its saves that carry the session wait for `release`.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const put = store.put.bind(store);
  store.put = async (kind, id, data, options) => {
    if (kind === "job" && (data as JobRecord).session_id === "s-1") {
      held = true;
      await released;
    }
    return put(kind, id, data, options);
  };

  const job = await jobs.submit({ agent: "mock", prompt: mockPrompt({ session: "s-1", sleep_ms: 60_000 }), repo, kind: "plan", access: "read_only" });
  await until(() => held, "the save with the session to start");
  expect((await jobs.get(job.id)).session_id).toBeUndefined();
  expect((await h.ok<{ session_id?: string }>("codex_get_status", { job_id: job.id })).session_id).toBeUndefined();
  expect(await jobs.ofSessions(new Set(["s-1"]))).toEqual([]);

  release();
  await until(async () => (await jobs.get(job.id)).session_id, "the saved session to show", { accept: (id) => id === "s-1" });
  expect((await jobs.ofSessions(new Set(["s-1"]))).map((found) => found.id)).toEqual([job.id]);
  expect((await store.get<JobRecord>("job", job.id))?.data.session_id).toBe("s-1");
  await jobs.cancel(job.id);
});
