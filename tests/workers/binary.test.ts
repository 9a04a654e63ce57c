/** Workers through the compiled binary: the CLI, a real MCP client, and a server killed mid-turn. */
import { afterAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readOwner } from "../../src/server/index.ts";
import { isProcessAlive } from "../../src/state/index.ts";
import { connectStdio } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { mockPrompt } from "./support.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function home(toml = ""): string {
  const dir = tempDir("patchbay-workers-home-");
  writeFileSync(join(dir, "config.toml"), `[app]\ntool_mode = "worker"\n${toml}`);
  homes.push(dir);
  return dir;
}

async function cli<T = Record<string, unknown>>(dir: string, args: string[]): Promise<T> {
  const result = await runPatchbay([...args, "--json"], { home: dir, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`patchbay ${args.join(" ")} exited ${result.code}: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

test("an MCP client starts, inspects and integrates a worker in worker mode", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const client = await connectStdio("v1", { home: home(), args: ["--standalone", "--root", repo] });
  try {
    const names = await client.listToolNames();
    expect(names).toContain("codex_worker_integrate");
    const started = await client.callTool("codex_worker_start", {
      name: "mcp",
      brief: mockPrompt({ write: { path: "m.txt", content: "m\n" }, message: "wrote m" }),
      agent: "mock",
    });
    expect(started.isError).toBeFalsy();
    const status = (await client.callTool("codex_worker_inspect", { worker: "mcp", view: "status", wait_seconds: 30 })).structuredContent as {
      worker: { state: string; report: string };
    };
    expect(status.worker).toMatchObject({ state: "idle", report: "wrote m" });
    const done = (await client.callTool("codex_worker_integrate", { worker: "mcp" })).structuredContent as { files: string[] };
    expect(done.files).toEqual(["m.txt"]);
    expect(readFileSync(join(repo, "m.txt"), "utf8")).toBe("m\n");
  } finally {
    await client.close();
  }
});

test("the CLI drives a worker; after the server is SIGKILLed mid-turn the worker is interrupted and its session continues", async () => {
  const dir = home("[server]\nstale_running_job_grace_seconds = 0\n");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const started = await cli<{ worker_id: string; state: string }>(dir, [
    "worker",
    "start",
    "sleeper",
    mockPrompt({ sleep_ms: 60_000, session: "kill-w" }),
    "--agent",
    "mock",
    "--repo",
    repo,
  ]);
  await until(
    async () => {
      const view = await cli<{ worker: { state: string; session_id?: string } }>(dir, ["worker", "inspect", "sleeper", "--view", "status", "--repo", repo]);
      return view.worker.state === "running" && view.worker.session_id === "kill-w";
    },
    "the sleeper to run in session kill-w",
    { timeoutMs: 20_000 },
  );
  const owner = readOwner(dir)!;
  process.kill(owner.pid, "SIGKILL");
  await until(() => !isProcessAlive(owner.pid), "the killed server to be gone");

  const list = await cli<{ workers: Array<{ worker_id: string; state: string; session_id: string }> }>(dir, ["worker", "list", "--repo", repo]);
  expect(list.workers).toHaveLength(1);
  expect(list.workers[0]).toMatchObject({ worker_id: started.worker_id, state: "interrupted", session_id: "kill-w" });

  const continued = await cli<{ state: string; session_id: string; report: string }>(dir, [
    "worker",
    "message",
    "sleeper",
    mockPrompt({ write: { path: "after.txt", content: "after\n" }, message: "back again" }),
    "--repo",
    repo,
    "--wait",
  ]);
  expect(continued).toMatchObject({ state: "idle", session_id: "kill-w", report: "back again" });
  const integrated = await cli<{ files: string[] }>(dir, ["worker", "integrate", "sleeper", "--repo", repo]);
  expect(integrated.files).toEqual(["after.txt"]);
  expect(git(repo, "status", "--porcelain")).toBe("?? after.txt");
  const stopped = await cli<{ state: string }>(dir, ["worker", "stop", "sleeper", "--cleanup", "--repo", repo]);
  expect(stopped.state).toBe("stopped");
});
