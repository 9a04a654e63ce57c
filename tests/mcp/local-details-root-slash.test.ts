/**
 * Issue #14 item 7: with `/` as the allowed root (the original PatchBay's stock configuration), a
 * remote (HTTP) caller still gets repository paths relative to the session's default repository,
 * never absolute, and a path it gets back works as repo_path; a local stdio session sees them as they are.
 */
import { afterAll, expect, test } from "bun:test";
import { realpathSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
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

async function ok(client: TestClient, tool: string, args: Structured): Promise<Structured> {
  const result = await client.callTool(tool, args);
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Structured;
}

test("allowed root / : a job in the default repository and one in another repository come back relative to the default repository", async () => {
  const home = tempDir("pb-slash-home-");
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }, { prefix: "pb-slash-repo-" }));
  const other = realpathSync(makeGitRepo({ "b.txt": "b\n" }, { prefix: "pb-slash-other-" }));
  writeFileSync(join(home, "config.toml"), `[app]\ntool_mode = "full"\n[repositories]\ndefault = ${JSON.stringify(repo)}\nallowed = ["/"]\n`);
  const server = await startTestServer({ home });
  servers.push(server);
  const remote = await connectHttp("v2-legacy", server.url);
  const local = await connectStdio("v1", { home });
  try {
    const results: Structured[] = [];
    for (const repoPath of [undefined, other]) {
      const started = await ok(remote, "codex_plan_job", { spec: mockPrompt({ message: "looked" }), agent: "mock", ...(repoPath && { repo_path: repoPath }) });
      results.push(started, await ok(remote, "codex_get_result", { job_id: started.job_id, wait_seconds: 30 }));
    }
    results.push(await ok(remote, "codex_get_status", { job_id: (results[2] as { job_id: string }).job_id }));
    const [, inRepo, , inOther] = results as Array<{ repo: string; cwd: string }>;
    expect(inRepo!.repo).toBe(".");
    expect(inOther!.repo).toBe(relative(repo, other));
    for (const result of results) {
      const json = JSON.stringify(result);
      for (const secret of [repo, other, home]) expect(json.includes(secret) ? secret : null).toBeNull();
    }

    // What a remote caller got is a repo_path that names the same repository.
    const again = await ok(remote, "codex_plan_job", { spec: mockPrompt({ message: "again" }), agent: "mock", repo_path: inOther!.repo });
    const seenLocally = await ok(local, "codex_get_result", { job_id: again.job_id, wait_seconds: 30 });
    expect(seenLocally.repo).toBe(other);
  } finally {
    await remote.close();
    await local.close();
    await runPatchbay(["stop"], { home });
  }
}, 90_000);

test("allowed root / and no default repository: a repository comes back relative to /, and that path works as repo_path", async () => {
  const home = tempDir("pb-slash-home-");
  const other = realpathSync(makeGitRepo({ "b.txt": "b\n" }, { prefix: "pb-slash-other-" }));
  writeFileSync(join(home, "config.toml"), '[app]\ntool_mode = "full"\n[repositories]\nallowed = ["/"]\n');
  const server = await startTestServer({ home });
  servers.push(server);
  const remote = await connectHttp("v2-legacy", server.url);
  try {
    const started = await ok(remote, "codex_plan_job", { spec: mockPrompt({ message: "looked" }), agent: "mock", repo_path: other });
    const done = await ok(remote, "codex_get_result", { job_id: started.job_id, wait_seconds: 30 });
    expect(done.repo).toBe(other.slice(1));
    expect(JSON.stringify([started, done]).includes(other)).toBe(false);
    const again = await ok(remote, "codex_plan_job", { spec: mockPrompt({ message: "again" }), agent: "mock", repo_path: done.repo });
    expect((await ok(remote, "codex_get_result", { job_id: again.job_id, wait_seconds: 30 })).state).toBe("succeeded");
  } finally {
    await remote.close();
    await runPatchbay(["stop"], { home });
  }
}, 90_000);
