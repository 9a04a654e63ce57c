/**
 * Where the budgets stand, through the binary and the SDK's real HTTP client: a turn of known use
 * (a stand-in codex that reports 900 input and 200 output tokens, then would sleep) goes past a
 * hard daily budget and a soft per-repository one; codex_usage and `patchbay usage --json` report
 * both with the exact tokens spent, a budget not reached as ok, and `patchbay job show` prints the
 * stop message in CLI words.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer, tempDir } from "../support/patchbay.ts";
import { ledgerEntries } from "./support.ts";

let server: TestServer | undefined;
let client: TestClient | undefined;
afterAll(async () => {
  await client?.close();
  await server?.stop();
  removeTempDirs();
});

function stoppingCodex(): string {
  const dir = tempDir("pb-budget-state-codex-");
  const fake = join(dir, "codex");
  const lines = [
    { type: "thread.started", thread_id: "0199a0aa-0000-7000-8000-000000000002" },
    { type: "item.completed", item: { id: "item_0", type: "agent_message", text: "partial answer" } },
    { type: "turn.completed", usage: { input_tokens: 900, cached_input_tokens: 0, output_tokens: 200, reasoning_output_tokens: 0 } },
  ];
  writeFileSync(fake, `#!/bin/sh\ncat > /dev/null\n${lines.map((line) => `echo '${JSON.stringify(line)}'`).join("\n")}\nexec sleep 60\n`);
  chmodSync(fake, 0o755);
  return fake;
}

test("codex_usage and `patchbay usage --json` report a hard- and a soft-exceeded budget with what was spent; `patchbay job show` names `patchbay usage`", async () => {
  const home = tempDir("pb-budget-state-");
  writeFileSync(
    join(home, "config.toml"),
    [
      "[budgets.hard]",
      "daily_tokens = 1000",
      "",
      "[budgets.soft]",
      "repo_daily_tokens = 500",
      "worker_tokens = 5000",
      "",
      "[agents]",
      `codex_command = ${JSON.stringify(stoppingCodex())}`,
      "kill_grace_seconds = 1",
      "",
    ].join("\n"),
  );
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
  server = await startTestServer({ home, args: ["--root", repo] });

  // Before any turn: the daily budget applies and is ok.
  client = await connectHttp("v2-legacy", server.url);
  const before = await client.callTool("codex_usage", {});
  expect(before.structuredContent?.budgets).toEqual([
    { scope: "daily", what: "all turns today (UTC)", unit: "tokens", spent: 0, hard_limit: 1000, state: "ok", key: "budgets.hard.daily_tokens" },
  ]);

  const run = await runPatchbay(["job", "run", "--agent", "codex", "--repo", repo, "Answer at length", "--json"], { home, timeoutMs: 60_000 });
  const job = JSON.parse(run.stdout) as { job_id: string; result?: { error_code?: string } };
  expect(job.result?.error_code, run.stderr).toBe("budget_exceeded");
  const spent = ledgerEntries(home).reduce((sum, entry) => sum + entry.input_tokens + entry.output_tokens, 0);
  expect(spent).toBe(1100);

  const expected = (repoShown: string) => [
    { scope: "daily", what: "all turns today (UTC)", unit: "tokens", spent: 1100, hard_limit: 1000, state: "hard_exceeded", key: "budgets.hard.daily_tokens" },
    {
      scope: "repo_daily",
      what: `repository ${repoShown} today (UTC)`,
      unit: "tokens",
      spent: 1100,
      soft_limit: 500,
      state: "soft_exceeded",
      key: "budgets.soft.repo_daily_tokens",
    },
  ];
  const result = await client.callTool("codex_usage", {});
  // A session names paths inside its root relative to it.
  expect(result.structuredContent?.budgets).toEqual(expected("."));
  const shown = (result.content as Array<{ text: string }>)[0]!.text;
  expect(shown).toContain(`budgets:\n  all turns today (UTC): 1,100 tokens of hard 1,000 tokens: hard exceeded (budgets.hard.daily_tokens)`);

  const cli = await runPatchbay(["usage", "--json"], { home });
  expect(cli.code, cli.stderr).toBe(0);
  expect(JSON.parse(cli.stdout).budgets).toEqual(expected(repo));
  const text = await runPatchbay(["usage"], { home });
  expect(text.stdout).toContain(`  repository ${repo} today (UTC): 1,100 tokens of soft 500 tokens: soft exceeded (budgets.soft.repo_daily_tokens)`);

  // The job's stop message, at a shell, names the command, not the tool.
  const show = await runPatchbay(["job", "show", job.job_id], { home });
  expect(show.code, show.stderr).toBe(0);
  expect(show.stdout).toContain(
    "error: stopped: the turn went past budgets.hard.daily_tokens (raise it in config.toml; `patchbay usage` shows what was spent)",
  );
  expect(show.stdout).not.toContain("codex_usage");
});
