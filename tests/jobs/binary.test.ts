/** Jobs through the compiled binary: MCP progress, the CLI, and a server killed mid-job. */
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readOwner } from "../../src/server/index.ts";
import { isProcessAlive } from "../../src/state/index.ts";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { mockPrompt } from "./support.ts";

const homes: string[] = [];
afterAll(async () => {
  // Every background server these tests started is stopped.
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function jobHome(toml = ""): string {
  const home = tempDir("patchbay-jobs-home-");
  writeFileSync(join(home, "config.toml"), `[app]\ntool_mode = "full"\n${toml}`);
  homes.push(home);
  return home;
}

async function cli<T = Record<string, unknown>>(home: string, args: string[]): Promise<T> {
  const result = await runPatchbay([...args, "--json"], { home, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`patchbay ${args.join(" ")} exited ${result.code}: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

test("agent events reach an MCP client as progress notifications while it waits for the result", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const client = await connectStdio("v1", { home: jobHome(), args: ["--standalone", "--root", repo] });
  try {
    const started = (await client.callTool("codex_plan_job", { spec: mockPrompt({ sleep_ms: 400, message: "progress works" }), agent: "mock" }))
      .structuredContent as { job_id: string };
    const messages: string[] = [];
    const result = await client.callTool(
      "codex_get_result",
      { job_id: started.job_id, wait_seconds: 30 },
      { onprogress: (progress) => void messages.push(progress.message ?? "") },
    );
    expect((result.structuredContent as { state: string }).state).toBe("succeeded");
    expect(messages).toContain("said: progress works");
    expect(messages.at(-1)).toBe("job succeeded");
  } finally {
    await client.close();
  }
});

test("the CLI runs, lists, shows, prints the logs of and cancels jobs on the server", async () => {
  const home = jobHome();
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const run = await runPatchbay(
    ["job", "run", "--agent", "mock", "--repo", repo, "--apply", mockPrompt({ write: { path: "b.txt", content: "b\n" }, message: "wrote b" })],
    { home, timeoutMs: 60_000 },
  );
  expect(run.code).toBe(0);
  expect(run.stderr).toContain("added b.txt");
  expect(run.stdout).toContain("succeeded");
  expect(run.stdout).toContain("wrote b");
  const id = /job_[0-9a-z]{22}/.exec(run.stdout)![0];

  const list = await cli<Array<{ job_id: string; state: string }>>(home, ["job", "list"]);
  expect(list.map((job) => job.job_id)).toContain(id);
  const shown = await cli<{ state: string; result: { changed_files: string[] } }>(home, ["job", "show", id]);
  expect(shown.state).toBe("succeeded");
  expect(shown.result.changed_files).toEqual(["b.txt"]);
  const logs = await runPatchbay(["job", "logs", id], { home });
  expect(logs.stdout).toContain("thread.started");

  const detached = await cli<{ job_id: string }>(home, ["job", "run", "--detach", "--agent", "mock", "--repo", repo, mockPrompt({ sleep_ms: 30_000 })]);
  await until(async () => (await cli<{ state: string }>(home, ["job", "show", detached.job_id])).state, "the detached job to run", {
    accept: (state) => state === "running",
    timeoutMs: 20_000,
  });
  const followed = runPatchbay(["job", "logs", detached.job_id, "--follow"], { home, timeoutMs: 30_000 });
  const cancelled = await cli<{ state: string }>(home, ["job", "cancel", detached.job_id]);
  expect(cancelled.state).toBe("cancelled");
  expect((await followed).code).toBe(0); // --follow ends with the job
  const failed = await runPatchbay(["job", "run", "--agent", "nosuch", "--repo", repo, "x"], { home });
  expect(failed.code).toBe(2); // bad input
  expect(failed.stderr).toContain("unknown agent");
});

test("a server killed with SIGKILL mid-job restarts with the job interrupted, and its session resumes", async () => {
  const home = jobHome("[server]\nstale_running_job_grace_seconds = 0\n");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const started = await cli<{ job_id: string }>(home, [
    "job",
    "run",
    "--detach",
    "--agent",
    "mock",
    "--repo",
    repo,
    mockPrompt({ sleep_ms: 60_000, session: "kill-1" }),
  ]);
  let agentPid = 0;
  await until(
    async () => {
      const view = await cli<{ state: string; session_id?: string; pid?: number }>(home, ["job", "show", started.job_id]);
      agentPid = view.pid ?? 0;
      return view.state === "running" && view.session_id === "kill-1" && agentPid > 0;
    },
    "the job to run its agent in session kill-1",
    { timeoutMs: 20_000 },
  );
  const owner = readOwner(home)!;
  process.kill(owner.pid, "SIGKILL");
  await until(() => !isProcessAlive(owner.pid), "the killed server to be gone");

  const after = await cli<{ state: string; session_id: string; result: { error: string } }>(home, ["job", "show", started.job_id]);
  expect(readOwner(home)!.pid).not.toBe(owner.pid);
  expect(after.state).toBe("interrupted");
  expect(after.session_id).toBe("kill-1");
  expect(after.result.error).toContain("codex_resume");
  expect(agentPid).toBeGreaterThan(0);
  await until(() => !isProcessAlive(agentPid), "the orphaned agent to be stopped");

  const client = await connectStdio("v1", { home, args: ["--root", repo] });
  try {
    const resumed = (await client.callTool("codex_resume", { session_id: "kill-1", spec: mockPrompt({ message: "back again" }) })).structuredContent as {
      job_id: string;
      parent_job_id: string;
    };
    expect(resumed.parent_job_id).toBe(started.job_id);
    const done = (await client.callTool("codex_get_result", { job_id: resumed.job_id, wait_seconds: 30 })).structuredContent as {
      state: string;
      session_id: string;
      result: { final_message: string };
    };
    expect(done.state).toBe("succeeded");
    expect(done.session_id).toBe("kill-1");
    expect(done.result.final_message).toBe("back again");
  } finally {
    await client.close();
  }
});
