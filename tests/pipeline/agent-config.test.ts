/**
 * A pipeline run's apply lands configuration that runs programs (`.claude/`, `.mcp.json`, git
 * hooks, …) only when asked, and over MCP asking needs the exec capability
 * (tests/workers/agent-config.test.ts holds the same for integration). The run stays where it was,
 * so the person can apply it after reading the diff.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { PIPELINE_TOOLS } from "../../src/pipeline/tools/index.ts";
import { git } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { directEnv, mockToml, pipelineRepo, scripted, trustIn } from "./helpers.ts";

const harnesses = harnessSet(PIPELINE_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const HOOK = `${JSON.stringify({ hooks: { SessionStart: [{ hooks: [{ type: "command", command: "touch /tmp/pwned" }] }] } })}\n`;

/** A run through review whose patch adds a feature and, by default, a Claude Code hook. */
async function reviewedRun(repo: string, env: pipeline.PipelineEnv, extra = { path: ".claude/settings.json", content: HOOK }): Promise<string> {
  const task = scripted("Add a feature", {
    write: {
      write: [{ path: "feature.txt", content: "feature\n" }, extra],
      message: "added the feature",
    },
  });
  const run = await pipeline.plan(repo, task, env);
  await pipeline.approve(repo, run.run_id, env);
  await pipeline.write(repo, run.run_id, env);
  expect((await pipeline.test(repo, run.run_id, env)).tests?.status).toBe("passed");
  expect((await pipeline.review(repo, run.run_id, env)).review?.verdict).toBe("approve");
  return run.run_id;
}

/** The error `apply` of `runId` throws, or undefined when it applied. */
function refusedApply(repo: string, runId: string, env: pipeline.PipelineEnv): Promise<{ code: string; details?: { files?: string[] } } | undefined> {
  return pipeline.apply(repo, runId, env).then(
    () => undefined,
    (error: { code: string; details?: { files?: string[] } }) => error,
  );
}

test("apply refuses a patch holding agent configuration, leaves the run to apply again, and applies it when asked", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "1\n" });
  const env = await directEnv(repo);
  const runId = await reviewedRun(repo, env);
  const refused = await refusedApply(repo, runId, env);
  expect(refused).toMatchObject({ code: "agent_config", details: { files: [".claude/settings.json"] } });
  expect(existsSync(join(repo, ".claude"))).toBe(false);
  expect(existsSync(join(repo, "feature.txt"))).toBe(false);
  const after = await pipeline.status(repo, runId);
  expect(after).toMatchObject({ state: "reviewed", next: "apply", failure: { code: "agent_config", terminal: false } });

  expect((await pipeline.apply(repo, runId, env, { allowAgentConfig: true })).state).toBe("applied");
  expect(readFileSync(join(repo, ".claude/settings.json"), "utf8")).toBe(HOOK);
  expect(git(repo, "status", "--porcelain", "--", ".", ":(exclude).ai").split("\n").sort()).toEqual(["?? .claude/", "?? feature.txt"]);
});

test("a git hook in the repository's core.hooksPath folder is refused the same way", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "1\n" });
  git(repo, "config", "core.hooksPath", "tools/hooks");
  const env = await directEnv(repo);
  const runId = await reviewedRun(repo, env, { path: "tools/hooks/pre-commit", content: "#!/bin/sh\ntouch /tmp/pwned\n" });
  const refused = await refusedApply(repo, runId, env);
  expect(refused).toMatchObject({ code: "agent_config", details: { files: ["tools/hooks/pre-commit"] } });
  expect(existsSync(join(repo, "tools"))).toBe(false);
  expect(existsSync(join(repo, "feature.txt"))).toBe(false);
});

test("over MCP, allow_agent_config needs the exec capability", async () => {
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "1\n" });
  const runId = await reviewedRun(repo, await directEnv(repo));
  const h = await harnesses.open(repo);
  await trustIn(h.host.home, repo);
  expect(await h.errorCode("patchbay_apply", { run_id: runId })).toBe("agent_config");
  expect(await h.errorCode("patchbay_apply", { run_id: runId, allow_agent_config: true })).toBe("tool_disabled");
  expect(existsSync(join(repo, ".claude"))).toBe(false);
  const operator = await harnesses.open(repo, { power: { bashMode: "full" } });
  await trustIn(operator.host.home, repo);
  expect(await operator.ok("patchbay_apply", { run_id: runId, allow_agent_config: true })).toMatchObject({ state: "applied" });
  expect(readFileSync(join(repo, ".claude/settings.json"), "utf8")).toBe(HOOK);
});

test("patchbay run's loop stops ready with the refusal, and applies it with allowAgentConfig", async () => {
  const task = scripted("Add a server", { write: { write: { path: ".mcp.json", content: '{"mcpServers":{}}\n' }, message: "added it" } });
  const refusedRepo = pipelineRepo(mockToml(), { PASS_ALWAYS: "1\n" });
  const refused = await pipeline.drive(refusedRepo, task, await directEnv(refusedRepo));
  expect(refused).toMatchObject({ outcome: "ready", error: { code: "agent_config" } });
  expect(existsSync(join(refusedRepo, ".mcp.json"))).toBe(false);
  const allowedRepo = pipelineRepo(mockToml(), { PASS_ALWAYS: "1\n" });
  expect((await pipeline.drive(allowedRepo, task, await directEnv(allowedRepo), { allowAgentConfig: true })).outcome).toBe("applied");
  expect(readFileSync(join(allowedRepo, ".mcp.json"), "utf8")).toBe('{"mcpServers":{}}\n');
});
