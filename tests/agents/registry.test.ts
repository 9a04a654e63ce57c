/**
 * The agent registry: every built-in adapter passes the same contract, the config schema's
 * names-only list matches it, and the executable comes from the config key each adapter declares.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { AGENT_NAMES, AGENTS, agentClis, agentExecutable, configuredCommand, isBuiltinAgent, resolveAdapter } from "../../src/agents/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { BUILTIN_AGENTS } from "../../src/config/schema.ts";
import { renderTemplate, suggestedTemplate } from "../../src/workspace/handoff-run.ts";
import { removeTempDirs, tempDir, writeConfig } from "../config/helpers.ts";
import { turnOf } from "./support.ts";

afterAll(removeTempDirs);

const SHELLS = ["sh", "bash", "zsh", "dash", "cmd", "cmd.exe", "powershell", "pwsh"];

async function configFrom(toml: string) {
  const home = tempDir();
  writeConfig(home, toml);
  return loadConfig({ home });
}

describe("the agent registry", () => {
  test("config/schema.ts BUILTIN_AGENTS lists the registry's names, in its order", () => {
    expect([...BUILTIN_AGENTS]).toEqual(AGENT_NAMES);
    expect(AGENT_NAMES).toEqual(Object.keys(AGENTS) as typeof AGENT_NAMES);
  });

  test("the agent CLIs doctor checks are the built-ins that declare credentials: all but mock", () => {
    expect(agentClis().map((adapter) => adapter.name)).toEqual(["codex", "claude", "gemini"]);
  });

  test("names outside the registry are not built-in, whatever Object.prototype holds", () => {
    expect(isBuiltinAgent("codex")).toBe(true);
    expect(["aider", "constructor", "toString", "__proto__"].filter(isBuiltinAgent)).toEqual([]);
  });

  for (const [name, adapter] of Object.entries(AGENTS)) {
    describe(name, () => {
      test("declares its name, default command, install step, config key and environment", () => {
        expect(adapter.name).toBe(name);
        expect(resolveAdapter(name, { agents: { custom: {} } } as never)).toBe(adapter);
        expect(adapter.defaultCommand.length).toBeGreaterThan(0);
        expect(adapter.install.length).toBeGreaterThan(0);
        expect(adapter.configKey.length).toBeGreaterThan(0);
        expect(Array.isArray(adapter.env.pass)).toBe(true);
        for (const flag of ["resume", "readOnlySandbox", "outputSchema", "chooseSessionId"] as const) expect(typeof adapter.capabilities[flag]).toBe("boolean");
      });

      for (const access of ["read_only", "write"] as const) {
        test(`a ${access} turn is argv for the given executable, never a shell`, () => {
          const command = adapter.command(turnOf({ access }), "/opt/bin/agent");
          expect(command.command).toBe("/opt/bin/agent");
          expect(SHELLS).not.toContain(command.args[0]);
          expect(command.args).not.toContain("-c");
          for (const arg of command.args) expect(typeof arg).toBe("string");
          for (const value of Object.values(command.env)) expect(typeof value).toBe("string");
        });
      }

      test("its parser keeps a line it does not know as raw, and finishes without throwing", () => {
        const parser = adapter.parser(turnOf());
        expect(parser.line("not an event")).toEqual([{ type: "raw", line: "not an event" }]);
        expect(["succeeded", "failed"]).toContain(parser.finish({ code: 1, signal: null }, "").status);
      });

      test("its handoff template, if it declares one, runs its own command on the plan file", () => {
        expect(suggestedTemplate(name)).toBe(adapter.handoffTemplate ?? `${name} --task-file {{plan_file}}`);
        if (!adapter.handoffTemplate) return;
        const argv = renderTemplate(adapter.handoffTemplate, { plan_file: "/r/plan one.md", root: "/r" });
        expect(argv[0]).toBe(adapter.defaultCommand);
        expect(argv.some((word) => word.includes("/r/plan one.md"))).toBe(true);
      });

      test("its executable is what its declared config key holds, else its default command", async () => {
        const defaults = await configFrom("");
        const configured = configuredCommand(adapter, defaults);
        expect(agentExecutable(adapter, defaults)).toBe(configured ?? adapter.defaultCommand);
        if (configured === undefined) return;
        const [section, key] = adapter.configKey.split(".");
        const changed = await configFrom(`[${section}]\n${key} = "/opt/${name}/bin/${name}"\n`);
        expect(agentExecutable(adapter, changed)).toBe(`/opt/${name}/bin/${name}`);
      });
    });
  }

  test("a custom agent's executable comes from its declared key, agents.custom.<id>.command", async () => {
    const config = await configFrom('[agents.custom.mine]\ncommand = "/opt/mine"\n');
    const adapter = resolveAdapter("mine", config);
    expect(adapter.configKey).toBe("agents.custom.mine.command");
    expect(configuredCommand(adapter, config)).toBe("/opt/mine");
    expect(agentExecutable(adapter, config)).toBe("/opt/mine");
  });
});
