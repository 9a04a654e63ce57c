import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { directEnv, pipelineRepo, TEST_COMMAND } from "./helpers.ts";

afterAll(() => removeTempDirs());

const captures = join(import.meta.dir, "../agents/fixtures/captures");

/** An executable that prints a captured stdout (the real CLI's format) and optionally writes a file in its cwd. */
function fakeAgent(dir: string, name: string, stdout: string, write?: { path: string; content: string }): string {
  const script = join(dir, `${name}.mjs`);
  writeFileSync(
    script,
    `import { writeFileSync } from "node:fs";\n${write ? `writeFileSync(${JSON.stringify(write.path)}, ${JSON.stringify(write.content)});\n` : ""}process.stdout.write(${JSON.stringify(stdout)});\n`,
  );
  const exe = join(dir, name);
  writeFileSync(exe, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)}\n`);
  chmodSync(exe, 0o755);
  return exe;
}

describe("fake codex, claude and gemini executables in the captured formats", () => {
  test("codex plans, claude writes, gemini reviews", async () => {
    const dir = tempDir("patchbay-fake-agents-");
    const codexOut = readFileSync(join(captures, "codex-exec-command-and-resume/first.stdout.jsonl"), "utf8");
    const claudeOut = readFileSync(join(captures, "claude-write-and-resume/first.stdout.jsonl"), "utf8");
    const geminiOut =
      [
        { type: "init", timestamp: "2026-11-28T19:29:30.286Z", session_id: "e9216a8d-7810-4c5a-8f39-7a70b816de9a", model: "auto" },
        { type: "message", timestamp: "2026-11-28T19:29:30.376Z", role: "assistant", content: "PASS\nThe change is fine.", delta: true },
        {
          type: "result",
          timestamp: "2026-11-28T19:29:30.461Z",
          status: "success",
          stats: { total_tokens: 154, input_tokens: 140, output_tokens: 14, cached: 0, input: 140, duration_ms: 180, tool_calls: 0 },
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n") + "\n";
    const toml = [
      `[phases.plan]\nprovider = "codex_cli"\nmodel = "gpt-5.5"`,
      `[phases.write]\nprovider = "claude_cli"`,
      `[phases.review]\nprovider = "gemini_cli"`,
      `[phases.test]\ncommands = [${JSON.stringify(TEST_COMMAND)}]`,
      `[commands]\ncodex = ${JSON.stringify(fakeAgent(dir, "codex", codexOut))}`,
      `claude = ${JSON.stringify(fakeAgent(dir, "claude", claudeOut, { path: "hello.txt", content: "hello\n" }))}`,
      `gemini = ${JSON.stringify(fakeAgent(dir, "gemini", geminiOut))}`,
    ].join("\n");
    const repo = pipelineRepo(toml, { PASS_ALWAYS: "" });
    const result = await pipeline.drive(repo, "Create hello.txt", await directEnv(repo));
    expect(result).toMatchObject({ outcome: "applied", state: "applied" });
    expect(readFileSync(join(repo, "hello.txt"), "utf8")).toBe("hello\n");
    expect(result.run.phases).toEqual({
      plan: { provider: "codex_cli", model: "gpt-5.5" },
      write: { provider: "claude_cli" },
      review: { provider: "gemini_cli" },
    });
    const { events } = await pipeline.readRunEvents(repo, result.run_id);
    const successes = events.filter((event) => event.action === "success" && event.provider);
    expect(successes.map((event) => event.provider)).toEqual(["codex_cli", "claude_cli", "gemini_cli"]);
    expect(successes.every((event) => event.usage !== undefined)).toBe(true);
  });
});

describe("reasonix_cli, driven over ACP", () => {
  test("the write phase runs the ACP writer in the worktree and logs every permission decision", async () => {
    const dir = tempDir("patchbay-fake-reasonix-");
    const codexOut = readFileSync(join(captures, "codex-exec-command-and-resume/first.stdout.jsonl"), "utf8");
    const reasonix = join(dir, "reasonix");
    const fakeAcp = join(import.meta.dir, "../agents/fixtures/acp/fake-acp-agent.mjs");
    writeFileSync(reasonix, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fakeAcp)}\n`);
    chmodSync(reasonix, 0o755);
    const toml = [
      `[phases.plan]\nprovider = "codex_cli"`,
      `[phases.write]\nprovider = "reasonix_cli"`,
      `[phases.review]\nprovider = "mock"`,
      `[phases.test]\ncommands = [${JSON.stringify(TEST_COMMAND)}]`,
      `[commands]\ncodex = ${JSON.stringify(fakeAgent(dir, "codex", codexOut))}\nreasonix = ${JSON.stringify(reasonix)}`,
    ].join("\n");
    const repo = pipelineRepo(toml, { PASS_ALWAYS: "", "src/app.txt": "original\n" });
    const env = await directEnv(repo);
    const planned = await pipeline.plan(repo, "Change src/app.txt", env);
    await pipeline.approve(repo, planned.run_id, env);
    const written = await pipeline.write(repo, planned.run_id, env);
    expect(written.state).toBe("written");
    expect(await pipeline.runDiff(repo, planned.run_id)).toContain("+hello from the fake agent");
    const log = readFileSync(join(repo, ".ai", "runs", planned.run_id, "logs", "write.log"), "utf8");
    expect(log).toContain("permission allow");
    expect(log).toContain("permission reject");
  });
});
