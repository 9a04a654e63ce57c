/**
 * Issue #14 item 7: a remote (HTTP) caller never sees this machine's absolute paths, patchbay's
 * private branches or raw agent session ids in a worker or job result; a local stdio session on
 * the same server sees them; the session handle a remote caller got works when passed back.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectHttp, connectStdio, type TestClient, type ToolResult } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt } from "../jobs/support.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  removeTempDirs();
});

type Structured = Record<string, unknown>;

async function ok(client: TestClient, tool: string, args: Structured): Promise<ToolResult> {
  const result = await client.callTool(tool, args);
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`);
  return result;
}

async function settledWorker(client: TestClient, worker: string): Promise<ToolResult> {
  for (let round = 0; round < 10; round++) {
    const result = await ok(client, "codex_worker_inspect", { worker, view: "status", wait_seconds: 30 });
    const state = (result.structuredContent as { worker: { state: string } }).worker.state;
    if (state !== "running" && state !== "starting") return result;
  }
  throw new Error(`worker ${worker} did not settle`);
}

describe("local details stay local", () => {
  test("every worker and job result over HTTP is free of local paths, private branches and session ids; stdio shows them; a handle resolves", async () => {
    const home = tempDir("pb-local-home-");
    writeFileSync(join(home, "config.toml"), '[app]\ntool_mode = "full"\n');
    const script = '#!/usr/bin/env bash\n# scratch in /tmp/x, see _meta["patchbay/error"]\n';
    const repo = realpathSync(makeGitRepo({ "a.txt": "a\n", "run.sh": script }, { prefix: "pb-local-repo-" }));
    const server = await startTestServer({ home, args: ["--root", repo] });
    servers.push(server);
    const remote = await connectHttp("v2-legacy", server.url);
    const local = await connectStdio("v1", { home, args: ["--root", repo] });
    try {
      const results: Array<[string, ToolResult]> = [];
      const call = async (tool: string, args: Structured) => {
        const result = await ok(remote, tool, args);
        results.push([tool, result]);
        return result.structuredContent as Structured;
      };

      await call("codex_worker_start", {
        name: "alpha",
        brief: mockPrompt({ write: { path: "w.txt", content: "w\n" }, message: `wrote ${repo}/w.txt` }),
        agent: "mock",
      });
      results.push(["codex_worker_inspect status", await settledWorker(remote, "alpha")]);
      await call("codex_worker_inspect", { worker: "alpha", view: "report" });
      await call("codex_worker_list", {});
      const planned = await call("codex_plan_job", { spec: mockPrompt({ message: `read ${repo}/a.txt` }), agent: "mock" });
      const plan = await call("codex_get_result", { job_id: planned.job_id, wait_seconds: 30 });
      const applied = await call("codex_apply_job", { spec: mockPrompt({ write: { path: "b.txt", content: "b\n" }, message: "wrote b" }), agent: "mock" });
      await call("codex_get_result", { job_id: applied.job_id, wait_seconds: 30 });
      await call("codex_list_sessions", {});

      // What the same jobs and workers look like locally: the details that must not travel.
      const localPlan = (await ok(local, "codex_get_result", { job_id: planned.job_id, wait_seconds: 0 })).structuredContent as {
        session_id: string;
        repo: string;
      };
      const localWorker = (await ok(local, "codex_worker_inspect", { worker: "alpha", view: "status" })).structuredContent as {
        worker: { session_id: string; worktree: { path: string } };
      };
      expect(localPlan.repo).toBe(repo);
      expect(localWorker.worker.worktree.path.startsWith("/")).toBe(true);
      const branches = git(repo, "branch", "--list", "patchbay/*", "--format=%(refname:short)").split("\n").filter(Boolean);
      expect(branches.length).toBeGreaterThanOrEqual(2);
      const secrets = [repo, home, realpathSync(home), tmpdir(), localPlan.session_id, localWorker.worker.session_id, ...branches];

      for (const [tool, result] of results) {
        const json = JSON.stringify(result);
        for (const secret of secrets) expect({ tool, leaks: json.includes(secret) ? secret : null }).toEqual({ tool, leaks: null });
        expect({ tool, absolute: json.match(/(?<![\w.~$:/])\/(tmp|home|root|var|usr|work)\b[^"\s]*/)?.[0] ?? null }).toEqual({ tool, absolute: null });
      }
      // Repository paths read relative to the session's repository, which is what repo_path takes back.
      expect((plan as { repo: string; cwd: string }).repo).toBe(".");
      expect(String((plan as { result: { final_message: string } }).result.final_message)).toBe("read a.txt");

      // Repository content is the user's data: it comes back as it is.
      expect(((await ok(remote, "codex_read_file", { file_path: "run.sh" })).structuredContent as { content: string }).content).toBe(script);

      // The handle a remote caller got continues the same agent session.
      const handle = plan.session_id as string;
      expect(handle).toMatch(/^ses_[0-9a-f]{24}$/);
      const resumed = await call("codex_resume", { session_id: handle, spec: mockPrompt({ message: "again" }), agent: "mock" });
      const localResumed = (await ok(local, "codex_get_result", { job_id: resumed.job_id, wait_seconds: 30 })).structuredContent as {
        session_id: string;
        state: string;
      };
      expect(localResumed).toMatchObject({ session_id: localPlan.session_id, state: "succeeded" });
    } finally {
      await remote.close();
      await local.close();
      await runPatchbay(["stop"], { home });
    }
  });
});
