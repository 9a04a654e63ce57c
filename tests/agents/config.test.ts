import { afterAll, describe, expect, test } from "bun:test";
import { agentExecutable, claude, codex, mock, resolveAdapter } from "../../src/agents/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { failure, removeTempDirs, tempDir, writeConfig } from "../config/helpers.ts";

afterAll(removeTempDirs);

async function configFrom(toml: string) {
  const home = tempDir();
  writeConfig(home, toml);
  return loadConfig({ home });
}

describe("[agents] config", () => {
  test("defaults", async () => {
    expect((await configFrom("")).agents).toEqual({
      idle_timeout_seconds: 300,
      kill_grace_seconds: 5,
      commands: {},
      repository_settings: false,
      custom: {},
    });
  });

  test("a custom agent gets its defaults; executables come from [agents.commands], else each adapter's default", async () => {
    const config = await configFrom(
      '[agents.commands]\ncodex = "/opt/codex/bin/codex"\n\n[agents.custom.my-agent]\ncommand = "aider"\nargs = ["--message-file", "{{prompt_file}}"]\n',
    );
    expect(config.agents.custom).toEqual({
      "my-agent": { command: "aider", args: ["--message-file", "{{prompt_file}}"], prompt_mode: "stdin", output_contract: "text", env: {}, pass_env: [] },
    });
    expect(agentExecutable(codex, config)).toBe("/opt/codex/bin/codex");
    expect(agentExecutable(claude, config)).toBe("claude");
    expect(agentExecutable(mock, config)).toBe(process.execPath);
    const custom = resolveAdapter("my-agent", config);
    expect({ name: custom.name, executable: agentExecutable(custom, config) }).toEqual({ name: "my-agent", executable: "aider" });
  });

  test("the older `<name>_command` keys are read as [agents.commands]; [agents.commands] wins where both name an agent", async () => {
    const config = await configFrom(
      '[agents]\ncodex_command = "/opt/old/codex"\nclaude_command = "/opt/old/claude"\n\n[agents.commands]\nclaude = "/opt/new/claude"\n',
    );
    expect(config.agents.commands).toEqual({ codex: "/opt/old/codex", claude: "/opt/new/claude" });
    expect([agentExecutable(codex, config), agentExecutable(claude, config)]).toEqual(["/opt/old/codex", "/opt/new/claude"]);
  });

  test("errors name the key as written: bad ids, a bad command (new and old spelling), a missing command, bad modes, unknown keys", async () => {
    const toml = [
      "[agents]",
      "idle_timeout_seconds = 0",
      'codex_command = "bin/codex"',
      "colour_commands = 1",
      "[agents.commands]",
      'claude = "bin/claude"',
      '[agents.custom."Bad Id"]',
      'command = "x"',
      "[agents.custom.ok]",
      'prompt_mode = "pipe"',
      "colour = 1",
      "env = { A = 1 }",
    ].join("\n");
    const lines = (await failure(() => configFrom(toml))).message
      .split("\n")
      .slice(1)
      .map((line) => line.trim())
      .sort();
    expect(lines).toEqual([
      'agents.codex_command: expected an executable name or absolute path, got "bin/codex"',
      'agents.commands.claude: expected an executable name or absolute path, got "bin/claude"',
      'agents.custom.Bad Id: expected an id matching ^[a-z][a-z0-9_-]{0,31}$, got "Bad Id"',
      "agents.custom.ok.command: expected an executable name or absolute path (required), got nothing",
      "agents.custom.ok.env.A: expected a string, got 1",
      'agents.custom.ok.prompt_mode: expected one of stdin, arg, file, got "pipe"',
      "agents.idle_timeout_seconds: expected an integer >= 1, got 0",
      'unknown key "agents.colour_commands"',
      'unknown key "agents.custom.ok.colour"',
    ]);
  });
});

describe("resolveAdapter", () => {
  test("built-ins by name", async () => {
    const config = await configFrom("");
    expect(["codex", "claude", "gemini", "mock"].map((name) => resolveAdapter(name, config).name)).toEqual(["codex", "claude", "gemini", "mock"]);
  });

  test("an unknown name is unknown_agent (bad input) listing the agents and the config key for custom ones", async () => {
    const config = await configFrom('[agents.custom.aider]\ncommand = "aider"\n');
    const error = await failure(() => resolveAdapter("cursor", config));
    expect({ code: error.code, message: error.message, next: error.next }).toEqual({
      code: "unknown_agent",
      message: 'unknown agent "cursor"; available: codex, claude, gemini, mock, aider',
      next: "use one of those, or define it as [agents.custom.cursor] with a command in config.toml",
    });
    expect(() => resolveAdapter("toString", config)).toThrow('unknown agent "toString"');
    // A name near one offered names it (the host's package name, a typo), and that one resolves.
    for (const [asked, meant] of [
      ["claude-code", "claude"],
      ["gemnii", "gemini"],
    ]) {
      const named = /\(did you mean "([^"]+)"\?\)/.exec((await failure(() => resolveAdapter(asked!, config))).message)?.[1];
      expect({ asked, named }).toEqual({ asked, named: meant });
      expect(resolveAdapter(named!, config).name).toBe(meant!);
    }
  });
});
