/**
 * A repository's `.claude/settings.json` can add hooks (commands claude runs itself) and allow
 * Bash: a file an agent committed would widen what a later claude job may run. With the default
 * configuration claude loads only the user's settings; `agents.repository_settings = true` is the
 * operator's way back. The real pinned claude, against the fake Anthropic API; the effect checked
 * is the marker file the repository's hook would create.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as anthropicApi from "../support/fake-apis/anthropic-messages.ts";
import { agentBin, agentClisMissing, claudeSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, tempDir } from "../support/patchbay.ts";

const skip = agentClisMissing() ?? (existsSync(binaryPath) ? undefined : `SKIPPED: ${binaryPath} is missing; run \`npm run build\` (npm test does it)`);
if (skip) console.warn(`\n[e2e-agents/repository-settings] ${skip}\n`);

const keep = keepForFile();

type View = { job_id: string; done: boolean; state: string; result?: { error?: string } };

async function finished(client: TestClient, jobId: string): Promise<View> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await client.callTool("codex_get_result", { job_id: jobId, wait_seconds: 20 });
    const view = result.structuredContent as View;
    if (view.done) return view;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${view.state}`);
  }
}

/** A repository whose committed claude settings run `touch marker` when a session starts or a prompt arrives. */
function repoWithHook(marker: string): string {
  const hook = [{ hooks: [{ type: "command", command: `touch ${marker}` }] }];
  const settings = { hooks: { SessionStart: hook, UserPromptSubmit: hook } };
  return makeGitRepo({ "notes.txt": "hi\n", ".claude/settings.json": JSON.stringify(settings, null, 2) }, { prefix: "pb-e2e-settings-" });
}

async function planJobRuns(marker: string, extraConfig: string): Promise<View> {
  const api = keep(await anthropicApi.startAnthropicMessages());
  const box = keep(claudeSandbox(api.baseUrl));
  const repo = repoWithHook(marker);
  const home = tempDir("pb-e2e-settings-home-");
  writeFileSync(
    join(home, "config.toml"),
    `[agents]\nclaude_command = ${JSON.stringify(agentBin("claude"))}\nidle_timeout_seconds = 30\nkill_grace_seconds = 1\n${extraConfig}`,
  );
  const client = keep(await connectStdio("v1", { home, args: ["--standalone", "--root", repo, "--tool-mode", "standard"], env: box.env }));
  api.script(anthropicApi.say("Nothing to do."));
  const started = await client.callTool("codex_plan_job", { spec: "Look at notes.txt", agent: "claude", repo_path: repo });
  if (started.isError) throw new Error(JSON.stringify(started.content));
  return finished(client, (started.structuredContent as View).job_id);
}

describe.skipIf(skip !== undefined)("claude and the settings a repository carries", () => {
  test("by default the repository's hook never runs", async () => {
    const marker = join(tempDir("pb-e2e-marker-"), "hook-ran");
    const job = await planJobRuns(marker, "");
    expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
    expect(existsSync(marker)).toBe(false);
  }, 90_000);

  test("with agents.repository_settings the same hook runs (so the default above is what stops it)", async () => {
    const marker = join(tempDir("pb-e2e-marker-"), "hook-ran");
    const job = await planJobRuns(marker, "repository_settings = true\n");
    expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
    expect(existsSync(marker)).toBe(true);
  }, 90_000);
});
