/**
 * Issue #17 end to end: the compiled binary (`patchbay stdio --standalone`) driven by a real MCP
 * client, two workers running the REAL codex CLI (pinned in tests/agents-cli) against the scripted
 * fake Responses API, both editing the same line of notes.txt in their own worktrees: the team
 * report names the conflict before either integrates, the first lands, the second is refused
 * naming notes.txt, and the checkout keeps the first one's line.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentBin, agentClisMissing, codexSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import * as openaiApi from "../support/fake-apis/openai-responses.ts";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, tempDir } from "../support/patchbay.ts";

function unavailable(): string | undefined {
  const missing = agentClisMissing();
  if (missing) return missing;
  if (!existsSync(binaryPath)) return `SKIPPED: ${binaryPath} is missing; run \`npm run build\` (npm test does it)`;
  return undefined;
}

const skip = unavailable();
if (skip) console.warn(`\n[e2e-agents/workers-conflicts] ${skip}\n`);
const keep = keepForFile();

async function call<T>(client: TestClient, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.map((c) => c.text).join("\n")}`);
  return result.structuredContent as T;
}

/** Inspects with wait_seconds until the worker's turn ended (bounded). */
async function settled(client: TestClient, worker: string): Promise<{ state: string; report?: string }> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { worker: view } = await call<{ worker: { state: string; report?: string } }>(client, "codex_worker_inspect", {
      worker,
      view: "status",
      wait_seconds: 20,
    });
    if (view.state !== "running" && view.state !== "starting") return view;
    if (Date.now() > deadline) throw new Error(`worker ${worker} still ${view.state}`);
  }
}

const edit = (line: string) => `*** Begin Patch\n*** Update File: notes.txt\n@@\n line one\n-line two\n+${line}\n*** End Patch\n`;

describe.skipIf(skip !== undefined)("two codex workers on the same line, through the binary", () => {
  test("both are warned before either integrates; the second integration is refused naming notes.txt", async () => {
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.applyPatch(edit("line two, left's way")), openaiApi.say("Edited notes.txt.")]));
    const box = keep(codexSandbox(api.baseUrl));
    const repo = makeGitRepo({ "notes.txt": "line one\nline two\n" }, { prefix: "pb-e2e-conflicts-" });
    const home = tempDir("pb-e2e-home-");
    writeFileSync(
      join(home, "config.toml"),
      `[agents]\ncodex_command = ${JSON.stringify(agentBin("codex"))}\nidle_timeout_seconds = 30\nkill_grace_seconds = 1\n`,
    );
    const client = keep(await connectStdio("v1", { home, args: ["--standalone", "--root", repo, "--tool-mode", "standard"], env: box.env }));

    // One at a time: the fake API answers requests in script order.
    await call(client, "codex_worker_start", { name: "left", brief: "Reword line two of notes.txt.", agent: "codex", model: "gpt-5.5", repo_path: repo });
    expect((await settled(client, "left")).state).toBe("idle");
    api.script(openaiApi.applyPatch(edit("line two, right's way")), openaiApi.say("Edited notes.txt."));
    await call(client, "codex_worker_start", { name: "right", brief: "Reword line two of notes.txt.", agent: "codex", model: "gpt-5.5", repo_path: repo });
    expect((await settled(client, "right")).state).toBe("idle");

    const list = await call<{ team_report: string }>(client, "codex_worker_list", {});
    // The pair once, whichever side names it.
    expect(list.team_report.match(/^- (left conflicts with right|right conflicts with left) in notes\.txt$/gm)).toHaveLength(1);

    await call(client, "codex_worker_integrate", { worker: "left", commit: true, message: "left's wording" });
    const refused = await client.callTool("codex_worker_integrate", { worker: "right" });
    expect(refused.isError).toBe(true);
    expect(refused.content?.map((c) => c.text).join("\n")).toContain("notes.txt");
    expect(readFileSync(join(repo, "notes.txt"), "utf8")).toBe("line one\nline two, left's way\n");
    expect(git(repo, "status", "--porcelain")).toBe("");
    expect(git(repo, "log", "--format=%s", "-1")).toBe("left's wording");
  });
});
