/**
 * The agent registry: every built-in adapter passes the same contract. Its executable is set
 * through `[agents.commands]` (config names no agent) and is what a job of it really runs, what
 * doctor checks, what worker options and the pipeline's providers use.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AGENT_NAMES,
  AGENTS,
  agentClis,
  agentExecutable,
  configuredCommand,
  isBuiltinAgent,
  loadCheckedConfig,
  resolveAdapter,
} from "../../src/agents/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { runChecks } from "../../src/doctor/index.ts";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { BUILTIN_PROVIDERS, loadPipelineConfig, resolvePhase } from "../../src/pipeline/index.ts";
import { workerOptions } from "../../src/workers/options.ts";
import { renderTemplate, suggestedTemplate } from "../../src/workspace/handoff-run.ts";
import { removeTempDirs, tempDir, writeConfig } from "../config/helpers.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { toolHarness } from "../support/tools.ts";
import { turnOf } from "./support.ts";

afterAll(removeTempDirs);

/** An executable that records every run (its argv, one word a line) in `<dir>/runs`, answers `--version`, and reads its stdin. */
function recordingCommand(name: string): { command: string; runs: () => string[][] } {
  const dir = realpathSync(tempDir());
  const command = join(dir, `fake-${name}`);
  const log = join(dir, "runs");
  writeFileSync(
    command,
    `#!/bin/sh\nprintf '%s\\n' "$@" --- >> '${log}'\n[ "$1" = --version ] && echo "fake-${name} 1.0" && exit 0\ncat > /dev/null\nexit 0\n`,
  );
  chmodSync(command, 0o755);
  const runs = () =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .split("---\n")
          .filter(Boolean)
          .map((run) => run.trimEnd().split("\n"))
      : [];
  return { command, runs };
}

const SHELLS = ["sh", "bash", "zsh", "dash", "cmd", "cmd.exe", "powershell", "pwsh"];

async function configFrom(toml: string) {
  const home = tempDir();
  writeConfig(home, toml);
  return loadConfig({ home });
}

describe("the agent registry", () => {
  test("AGENT_NAMES is the registry's names, in its order", () => {
    expect(Object.keys(AGENTS)).toEqual([...AGENT_NAMES]);
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

      test("its executable is its own default until [agents.commands] names another, which a job of it then runs", async () => {
        expect(adapter.configKey).toBe(`agents.commands.${name}`);
        expect(agentExecutable(adapter, await configFrom(""))).toBe(adapter.defaultCommand);
        const fake = recordingCommand(name);
        const configToml = `[agents.commands]\n${name} = ${JSON.stringify(fake.command)}\n`;
        const home = tempDir();
        writeConfig(home, configToml);
        expect(agentExecutable(adapter, await loadCheckedConfig({ home }))).toBe(fake.command);

        const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
        const harness = await toolHarness(JOB_TOOLS, { roots: [repo], mode: "standard", configToml });
        try {
          const { job_id } = await harness.ok<{ job_id: string }>("codex_plan_job", { spec: "look around", agent: name });
          await harness.ok("codex_get_result", { job_id, wait_seconds: 30 });
        } finally {
          await harness.close();
        }
        expect(fake.runs()).toHaveLength(1);
      });

      test("doctor checks the configured executable of an agent CLI; worker options and the pipeline's providers list it", async () => {
        const fake = recordingCommand(name);
        const home = tempDir();
        writeConfig(home, `[agents.commands]\n${name} = ${JSON.stringify(fake.command)}\n`);
        const config = await loadCheckedConfig({ home });

        const doctor = (await runChecks(home, home)).find((check) => check.name === name);
        if (adapter.env.credentials === undefined) expect(doctor).toBeUndefined();
        else {
          expect(doctor).toEqual({ name, status: "ok", detail: `fake-${name} 1.0` });
          expect(fake.runs()).toEqual([["--version"]]);
        }

        const menus = await workerOptions(config, { maxModels: 5, details: false });
        expect(menus.map((menu) => menu.agent)).toContain(name);

        const served = [];
        for (const provider of BUILTIN_PROVIDERS) {
          const repo = realpathSync(makeGitRepo({ ".ai/patchbay.toml": `[phases.write]\nprovider = "${provider}"\n` }));
          const resolved = resolvePhase(await loadPipelineConfig(repo), "write", config);
          if (resolved.agent === name) served.push(resolved.executable ?? agentExecutable(adapter, config));
        }
        expect(served).toEqual([fake.command]);
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
