import { describe, expect, test } from "bun:test";
import { claude, codex, customAgent, gemini, mock } from "../../src/agents/index.ts";
import { turnOf } from "./support.ts";

const schema = { type: "object", properties: { ok: { type: "boolean" } } };

describe("codex command line", () => {
  test("a read-only turn: exec --json, read-only sandbox, -C, -o, prompt on stdin through `-`", () => {
    expect(codex.command(turnOf({ access: "read_only" }), "codex")).toEqual({
      command: "codex",
      args: ["exec", "--json", "--sandbox", "read-only", "-C", "/r/ws", "--skip-git-repo-check", "-o", "/s/last-message.txt", "-"],
      env: {},
      stdin: "Create hello.txt",
      files: [],
    });
  });

  test("every option of a write turn, in order", () => {
    const turn = turnOf({
      model: "gpt-5.5",
      reasoningEffort: "high",
      configOverrides: ['model_verbosity="low"', "features.x=true"],
      addDirs: ["/r/a", "/r/b"],
      outputSchema: schema,
    });
    const command = codex.command(turn, "/opt/codex");
    expect(command.command).toBe("/opt/codex");
    expect(command.args).toEqual([
      "exec",
      "--json",
      "--sandbox",
      "workspace-write",
      "-C",
      "/r/ws",
      "--skip-git-repo-check",
      "-m",
      "gpt-5.5",
      "-c",
      'model_reasoning_effort="high"',
      "-c",
      'model_verbosity="low"',
      "-c",
      "features.x=true",
      "--add-dir",
      "/r/a",
      "--add-dir",
      "/r/b",
      "-o",
      "/s/last-message.txt",
      "--output-schema",
      "/s/schema.json",
      "-",
    ]);
    expect(command.files).toEqual([{ path: "/s/schema.json", content: JSON.stringify(schema) }]);
  });

  test("resume puts every exec flag, the sandbox included, before `resume <id> -`", () => {
    expect(codex.command(turnOf({ resumeSessionId: "01a2-thread", model: "m" }), "codex").args).toEqual([
      "exec",
      "--json",
      "--sandbox",
      "workspace-write",
      "-C",
      "/r/ws",
      "--skip-git-repo-check",
      "-m",
      "m",
      "-o",
      "/s/last-message.txt",
      "resume",
      "01a2-thread",
      "-",
    ]);
  });

  test("the bypass flag replaces the sandbox only when the turn asks for it", () => {
    const args = codex.command(turnOf({ dangerouslyBypass: true }), "codex").args;
    expect(args.slice(0, 3)).toEqual(["exec", "--json", "--dangerously-bypass-approvals-and-sandbox"]);
    expect(args).not.toContain("--sandbox");
    expect(codex.command(turnOf({ dangerouslyBypass: false }), "codex").args).not.toContain("--dangerously-bypass-approvals-and-sandbox");
  });
});

describe("claude command line", () => {
  test("read_only is plan mode; stream-json needs --verbose; prompt on stdin; nonessential traffic off", () => {
    expect(claude.command(turnOf({ access: "read_only" }), "claude")).toEqual({
      command: "claude",
      args: ["-p", "--output-format", "stream-json", "--verbose", "--include-partial-messages", "--permission-mode", "plan", "--setting-sources", "user"],
      env: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
      stdin: "Create hello.txt",
    });
  });

  test("every option of a write turn with a chosen session id", () => {
    const turn = turnOf({
      model: "claude-opus-5-5",
      reasoningEffort: "high",
      newSessionId: "415d3f6d-6284-44b8-8439-82a5c6b463c4",
      addDirs: ["/r/a"],
      outputSchema: schema,
    });
    expect(claude.command(turn, "claude").args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--permission-mode",
      "acceptEdits",
      "--model",
      "claude-opus-5-5",
      "--effort",
      "high",
      "--session-id",
      "415d3f6d-6284-44b8-8439-82a5c6b463c4",
      "--add-dir",
      "/r/a",
      "--json-schema",
      JSON.stringify(schema),
      "--setting-sources",
      "user",
    ]);
  });

  test("resume uses --resume (and wins over a new session id)", () => {
    expect(claude.command(turnOf({ resumeSessionId: "abc", newSessionId: "def" }), "claude").args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--permission-mode",
      "acceptEdits",
      "--resume",
      "abc",
      "--setting-sources",
      "user",
    ]);
  });

  test("the repository's own .claude settings load only with agents.repository_settings", () => {
    expect(claude.command(turnOf({ repositorySettings: true }), "claude").args).not.toContain("--setting-sources");
  });

  test("bypassPermissions only when asked, and then IS_SANDBOX=1", () => {
    const command = claude.command(turnOf({ dangerouslyBypass: true }), "claude");
    expect(command.args).toContain("bypassPermissions");
    expect(command.env).toEqual({ CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", IS_SANDBOX: "1" });
    expect(claude.command(turnOf(), "claude").args).not.toContain("bypassPermissions");
  });
});

describe("gemini command line", () => {
  test("read_only is plan mode, settings loaded untrusted then the workspace trusted (--skip-trust), prompt on stdin and not in argv", () => {
    // A home without telemetry settings: gemini writes its telemetry to the turn's own file (tests/usage/gemini-own-telemetry.test.ts).
    const env = { HOME: "/nonexistent-home", GEMINI_CLI_SYSTEM_SETTINGS_PATH: "/nonexistent-settings.json" };
    expect(gemini.command(turnOf({ access: "read_only" }), "gemini", env)).toEqual({
      command: "gemini",
      args: ["--output-format", "stream-json", "--approval-mode", "plan", "--skip-trust"],
      env: {
        GEMINI_CLI_TRUST_WORKSPACE: "false",
        GEMINI_TELEMETRY_ENABLED: "true",
        GEMINI_TELEMETRY_TARGET: "local",
        GEMINI_TELEMETRY_OUTFILE: "/s/gemini-telemetry.json",
        GEMINI_TELEMETRY_LOG_PROMPTS: "false",
        GEMINI_TELEMETRY_USE_COLLECTOR: "false",
      },
      stdin: "Create hello.txt",
    });
    expect(gemini.capabilities.readOnlySandbox).toBe(false);
  });

  test("write is yolo; model, session id and extra directories", () => {
    expect(gemini.command(turnOf({ model: "gemini-2.5-pro", newSessionId: "e9216a8d", addDirs: ["/r/a"] }), "gemini").args).toEqual([
      "--output-format",
      "stream-json",
      "--approval-mode",
      "yolo",
      "--skip-trust",
      "-m",
      "gemini-2.5-pro",
      "--session-id",
      "e9216a8d",
      "--include-directories",
      "/r/a",
    ]);
  });

  test("resume uses --resume", () => {
    expect(gemini.command(turnOf({ resumeSessionId: "e9216a8d" }), "gemini").args).toEqual([
      "--output-format",
      "stream-json",
      "--approval-mode",
      "yolo",
      "--skip-trust",
      "--resume",
      "e9216a8d",
    ]);
  });
});

describe("custom agent command line", () => {
  const base = { command: "my-agent", args: [] as string[], prompt_mode: "stdin" as const, output_contract: "text" as const, env: {} };

  test("stdin mode: placeholders replaced inside arguments, prompt on stdin, env passed", () => {
    const agent = customAgent("mine", { ...base, args: ["--dir={{cwd}}", "--model", "{{model}}", "{{unknown}}"], env: { A: "1" } });
    expect(agent.command(turnOf({ model: "m1" }), "/bin/my-agent")).toEqual({
      command: "/bin/my-agent",
      args: ["--dir=/r/ws", "--model", "m1", "{{unknown}}"],
      env: { A: "1" },
      stdin: "Create hello.txt",
    });
    expect(agent.configKey).toBe("agents.custom.mine.command");
  });

  test("arg mode: the prompt where {{prompt}} is, else appended last; no stdin", () => {
    const placed = customAgent("mine", { ...base, prompt_mode: "arg", args: ["run", "{{prompt}}", "--fast"] }).command(
      turnOf({ prompt: "a b; rm -rf /" }),
      "x",
    );
    expect({ args: placed.args, stdin: placed.stdin }).toEqual({ args: ["run", "a b; rm -rf /", "--fast"], stdin: undefined });
    expect(customAgent("mine", { ...base, prompt_mode: "arg", args: ["run"] }).command(turnOf(), "x").args).toEqual(["run", "Create hello.txt"]);
  });

  test("file mode: the prompt goes to <scratch>/prompt.md, passed where {{prompt_file}} is, else last", () => {
    const placed = customAgent("mine", { ...base, prompt_mode: "file", args: ["--file", "{{prompt_file}}"] }).command(turnOf(), "x");
    expect(placed).toEqual({ command: "x", args: ["--file", "/s/prompt.md"], env: {}, files: [{ path: "/s/prompt.md", content: "Create hello.txt" }] });
    expect(customAgent("mine", { ...base, prompt_mode: "file" }).command(turnOf(), "x").args).toEqual(["/s/prompt.md"]);
  });

  test("{{prompt_file}} in stdin mode still writes the file", () => {
    const command = customAgent("mine", { ...base, args: ["{{prompt_file}}"] }).command(turnOf(), "x");
    expect({ files: command.files, stdin: command.stdin }).toEqual({
      files: [{ path: "/s/prompt.md", content: "Create hello.txt" }],
      stdin: "Create hello.txt",
    });
  });
});

describe("mock command line", () => {
  test("runs the current runtime on a script it writes into the scratch dir, prompt on stdin", () => {
    const command = mock.command(turnOf({ access: "read_only", newSessionId: "s1" }), process.execPath);
    expect(command.command).toBe(process.execPath);
    expect(command.args).toEqual(["/s/mock-agent.mjs", JSON.stringify({ cwd: "/r/ws", access: "read_only", session: "s1" })]);
    expect(command.env).toEqual({ BUN_BE_BUN: "1" });
    expect(command.stdin).toBe("Create hello.txt");
    expect(command.files?.map((file) => file.path)).toEqual(["/s/mock-agent.mjs"]);
  });
});
