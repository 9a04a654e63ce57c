import { afterAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/index.ts";
import { recoverJobs } from "../../src/jobs/recovery.ts";
import type { JobRecord } from "../../src/jobs/record.ts";
import { createRecordStore, isProcessAlive, processStartTime } from "../../src/state/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { processGone } from "./support.ts";

afterAll(removeTempDirs);

test("recovery stops a job's orphaned agent, but never a process that only reuses its pid", async () => {
  const home = tempDir();
  writeFileSync(`${home}/config.toml`, "[server]\nstale_running_job_grace_seconds = 0\n");
  const config = await loadConfig({ home });
  const store = await createRecordStore({ home });
  // Both outlive the test's waits: the orphan can be gone only because recovery stopped it.
  const orphan = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
  const stranger = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
  try {
    const base = {
      agent: "mock",
      kind: "plan",
      repo: home,
      access: "read_only",
      state: "running",
      events: [],
      created_at: new Date().toISOString(),
    } as unknown as JobRecord;
    await store.put("job", "job_orphan", { ...base, id: "job_orphan", pid: orphan.pid, pid_started: processStartTime(orphan.pid!) });
    // The record says another process once had this pid: its start time differs.
    await store.put("job", "job_reused", { ...base, id: "job_reused", pid: stranger.pid, pid_started: "1" });
    await recoverJobs({ store, config, skip: () => false });
    // Stopping the orphan is asynchronous (SIGTERM, then SIGKILL after the grace): wait for it to go, not for a time.
    await until(() => processGone(orphan.pid!), "the orphaned agent to be stopped");
    expect(isProcessAlive(stranger.pid!)).toBe(true);
    expect((await store.get<JobRecord>("job", "job_orphan"))?.data.state).toBe("interrupted");
    expect((await store.get<JobRecord>("job", "job_reused"))?.data.state).toBe("interrupted");
  } finally {
    for (const child of [orphan, stranger]) child.kill("SIGKILL");
    await store.close();
  }
});
