/**
 * Issue #14 item 7: the session handles (`ses_…`) a remote caller was given are kept in the store
 * as long as the jobs whose sessions they name (server.job_worktree_retention_days, default 7),
 * and the sweep at start-up removes the rest: a swept handle no longer resumes anything.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, connectStdio, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt } from "../jobs/support.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  removeTempDirs();
});

type Structured = Record<string, unknown>;
const DAY = 86_400_000;

async function ok(client: TestClient, tool: string, args: Structured): Promise<Structured> {
  const result = await client.callTool(tool, args);
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Structured;
}

/** The record file of `kind`/`id` in the home's file store. */
function recordFile(home: string, kind: string, id: string): string {
  const dir = join(home, "state", "records", kind);
  const name = existsSync(dir) ? readdirSync(dir).find((file) => file.startsWith(id)) : undefined;
  return join(dir, name ?? `${id}.json`);
}

/** Rewrites a stored record as if it had been written `days` ago (the sweep judges by these times). */
function age(file: string, days: number, field: (data: Record<string, unknown>, at: string) => void = () => {}): void {
  const record = JSON.parse(readFileSync(file, "utf8")) as { updatedAt: string; data: Record<string, unknown> };
  const at = new Date(Date.now() - days * DAY).toISOString();
  record.updatedAt = at;
  field(record.data, at);
  writeFileSync(file, JSON.stringify(record));
}

async function jobCount(home: string): Promise<number> {
  return (JSON.parse((await runPatchbay(["job", "list", "--json"], { home })).stdout) as unknown[]).length;
}

test("a handle whose job ended past the retention is swept at start-up and resumes nothing; one of a recent job still resumes", async () => {
  const home = tempDir("pb-handles-home-");
  writeFileSync(join(home, "config.toml"), '[app]\ntool_mode = "full"\n');
  const repo = makeGitRepo({ "a.txt": "a\n" }, { prefix: "pb-handles-repo-" });
  const first = await startTestServer({ home, args: ["--root", repo] });
  servers.push(first);
  const jobs: Array<{ id: string; handle: string }> = [];
  const remote = await connectHttp("v2-legacy", first.url);
  try {
    for (const message of ["old", "recent"]) {
      const started = await ok(remote, "codex_plan_job", { spec: mockPrompt({ message, session: `thread-${message}-0123456789` }), agent: "mock" });
      const done = await ok(remote, "codex_get_result", { job_id: started.job_id, wait_seconds: 30 });
      expect(done.session_id).toMatch(/^ses_[0-9a-f]{24}$/);
      jobs.push({ id: started.job_id as string, handle: done.session_id as string });
    }
  } finally {
    await remote.close();
    await first.stop();
  }
  const [old, recent] = jobs as [{ id: string; handle: string }, { id: string; handle: string }];
  expect(old.handle).not.toBe(recent.handle);
  const handleFile = (handle: string) => recordFile(home, "meta", `session-handle.${handle}`);
  expect(existsSync(handleFile(old.handle))).toBe(true);
  expect(existsSync(handleFile(recent.handle))).toBe(true);

  // Both handles were handed out ten days ago; only the first job ended then, the other just now.
  for (const job of jobs) age(handleFile(job.handle), 10);
  age(recordFile(home, "job", old.id), 10, (data, at) => (data.finished_at = at));

  const second = await startTestServer({ home, args: ["--root", repo] });
  servers.push(second);
  const again = await connectHttp("v2-legacy", second.url);
  const local = await connectStdio("v1", { home, args: ["--root", repo] });
  try {
    expect(existsSync(handleFile(old.handle))).toBe(false);
    expect(existsSync(handleFile(recent.handle))).toBe(true);

    const before = await jobCount(home);
    const refused = await again.callTool("codex_resume", { session_id: old.handle, spec: mockPrompt({ message: "more" }), agent: "mock" });
    expect(refused.isError).toBe(true);
    expect((refused._meta?.["patchbay/error"] as { code?: string } | undefined)?.code).toBe("session_not_found");
    expect(await jobCount(home)).toBe(before);

    const resumed = await ok(again, "codex_resume", { session_id: recent.handle, spec: mockPrompt({ message: "more" }), agent: "mock" });
    const recentLocally = await ok(local, "codex_get_result", { job_id: recent.id, wait_seconds: 0 });
    const resumedLocally = await ok(local, "codex_get_result", { job_id: resumed.job_id, wait_seconds: 30 });
    expect(resumedLocally).toMatchObject({ session_id: recentLocally.session_id, state: "succeeded" });
  } finally {
    await again.close();
    await local.close();
    await runPatchbay(["stop"], { home });
  }
}, 120_000);
