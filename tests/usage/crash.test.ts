/**
 * kill -9 of the server in the middle of a turn: the entries recorded before stay exactly as they
 * were, and the killed turn, which never ended, adds none, before or after the restart.
 */
import { afterAll, expect, test } from "bun:test";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";
import { mockPrompt } from "../jobs/support.ts";
import { until } from "../support/until.ts";
import { ledgerLines } from "./support.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

async function cli<T>(home: string, args: string[]): Promise<T> {
  const run = await runPatchbay([...args, "--json"], { home, timeoutMs: 60_000 });
  if (run.code !== 0) throw new Error(`patchbay ${args.join(" ")} exited ${run.code}: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

test("kill -9 of the server during a turn loses no recorded entry and invents none", async () => {
  const home = tempDir("pb-usage-crash-");
  homes.push(home);
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const server = await startTestServer({ home });
  const done = await cli<{ job_id: string; state: string }>(home, ["job", "run", "--agent", "mock", "--repo", repo, "Say a few words"]);
  expect(done.state).toBe("succeeded");
  const before = ledgerLines(home);
  expect(before).toHaveLength(1);
  expect(JSON.parse(before[0]!)).toMatchObject({ id: done.job_id, agent: "mock", reported: true });
  const totals = (await cli<{ total: unknown }>(home, ["usage"])).total;

  const slow = await cli<{ job_id: string }>(home, ["job", "run", "--detach", "--agent", "mock", "--repo", repo, mockPrompt({ sleep_ms: 60_000 })]);
  await until(async () => (await cli<{ state: string }>(home, ["job", "show", slow.job_id])).state, "the slow job to run", {
    accept: (state) => state === "running",
    timeoutMs: 20_000,
  });
  server.process.kill("SIGKILL");
  await until(() => server.process.exitCode !== null || server.process.signalCode !== null, "the server to exit");
  expect(ledgerLines(home)).toEqual(before);

  // The restarted server finds the turn interrupted and records nothing for it.
  const again = await startTestServer({ home });
  try {
    await until(async () => (await cli<{ state: string }>(home, ["job", "show", slow.job_id])).state, "the slow job to be interrupted", {
      accept: (state) => state === "interrupted",
      timeoutMs: 20_000,
    });
    expect(ledgerLines(home)).toEqual(before);
    expect((await cli<{ total: unknown }>(home, ["usage"])).total).toEqual(totals);
  } finally {
    await again.stop();
  }
});
