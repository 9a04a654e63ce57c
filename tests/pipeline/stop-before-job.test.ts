/**
 * A phase stopped before its agent job is under way (a cancel or Ctrl-C that comes while the server
 * prepares the worktree and submits the job) still stops that job, instead of letting it run out.
 */
import { afterAll, expect, test } from "bun:test";
import { createJobRuntime } from "../../src/jobs/index.ts";
import * as pipeline from "../../src/pipeline/index.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { directEnv, mockToml, pipelineRepo, scripted } from "./helpers.ts";

afterAll(() => removeTempDirs());

test("a write phase whose signal is already aborted cancels its agent job on the server's job runtime; the run keeps its state", async () => {
  const repo = pipelineRepo(mockToml());
  const env = await directEnv(repo);
  const store = await createRecordStore({ home: env.home });
  const jobs = createJobRuntime({ home: env.home, config: env.config, store, redact: (text) => text });
  try {
    // The mock writer would sleep past the test's own timeout: only a cancelled job lets write return.
    const run = await pipeline.plan(repo, scripted("slow writer", { write: { sleep_ms: 120_000, message: "too late" } }), env);
    await pipeline.approve(repo, run.run_id, env);
    const stop = new AbortController();
    stop.abort();
    const failure = await pipeline.write(repo, run.run_id, { ...env, jobs, signal: stop.signal }).catch((error: { code: string }) => error);
    expect(failure).toMatchObject({ code: "phase_stopped" });
    const writeJobs = (await jobs.list()).filter((job) => job.title === `write ${run.run_id}`);
    expect(writeJobs.map((job) => job.state)).toEqual(["cancelled"]);
    expect(jobs.running()).toBe(0);
    expect(await pipeline.status(repo, run.run_id)).toMatchObject({ state: "approved", failure: { code: "phase_stopped", phase: "write" } });
  } finally {
    await jobs.stop();
    await store.close();
  }
});
