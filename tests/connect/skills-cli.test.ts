/**
 * The skills `mcp install --skills` writes, as the pinned agent CLIs read them: a real `claude -p`
 * and a real `codex exec` turn (against the fake model APIs) offer the model patchbay's skill by
 * its name and description, from exactly the folder patchbay wrote it to.
 */
import { describe, expect, test } from "bun:test";
import { agentBin, agentClisMissing, claudeSandbox, codexSandbox, keepForFile, runCli } from "../support/fake-apis/agent-env.ts";
import * as anthropic from "../support/fake-apis/anthropic-messages.ts";
import * as openai from "../support/fake-apis/openai-responses.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { runConnect } from "./support.ts";

const missing = agentClisMissing();
if (missing) console.warn(`\n[connect/skills-cli] ${missing}\n`);
const keep = keepForFile();

const DESCRIPTION = "Message other coding agents through the patchbay MCP server";

describe.skipIf(missing !== undefined)("patchbay's skills in the real CLIs", () => {
  test("claude -p offers patchbay-messaging from the repository's .claude/skills after install --scope project --skills", async () => {
    const api = keep(await anthropic.startAnthropicMessages([anthropic.say("ok")]));
    const box = keep(claudeSandbox(api.baseUrl));
    const ws = makeGitRepo({ "README.md": "# x\n" }, { prefix: "pb-skills-claude-" });
    const installed = await runConnect(["mcp", "install", "claude", "--scope", "project", "--skills"], { cwd: ws, env: box.env });
    expect(installed.code, installed.stderr).toBe(0);
    const run = await runCli(agentBin("claude"), ["-p", "hi", "--output-format", "stream-json", "--verbose", "--strict-mcp-config"], {
      cwd: ws,
      env: box.env,
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const offered = JSON.stringify(api.modelRequests()[0]!.body);
    expect(offered).toContain("patchbay-messaging");
    expect(offered).toContain(DESCRIPTION);
  }, 120_000);

  test("codex exec offers patchbay-messaging from the repository's .agents/skills after install --skills", async () => {
    const api = keep(await openai.startOpenAIResponses([openai.say("ok")]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = makeGitRepo({ "README.md": "# x\n" }, { prefix: "pb-skills-codex-" });
    const installed = await runConnect(["mcp", "install", "codex", "--skills", "--standalone"], { cwd: ws, env: box.env });
    expect(installed.code, installed.stderr).toBe(0);
    const run = await runCli(agentBin("codex"), ["exec", "--json", "hi"], { cwd: ws, env: box.env, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const offered = JSON.stringify(api.requests[0]!.body);
    expect(offered).toContain("patchbay-messaging");
    expect(offered).toContain(DESCRIPTION);
  }, 120_000);
});
