/**
 * Issue #13: config names no agent. `[agents.commands]` takes the registry's names and a custom
 * agent's id is none of them, checked above config on every path that loads it, through the
 * binary: server start, stdio, a CLI command, doctor and `settings set`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const NOT_BUILTIN = '"codx" is not a built-in agent (codex, claude, gemini, mock)';

function homeWith(toml: string): string {
  const home = tempDir("pb-agent-names-");
  writeFileSync(join(home, "config.toml"), toml);
  return home;
}

describe("agent names in the configuration", () => {
  test("by default no command is set, and `settings set agents.commands.codex` writes one to the profile that `settings show` then reads", async () => {
    const home = tempDir("pb-agent-names-");
    const defaults = JSON.parse((await runPatchbay(["settings", "--json"], { home })).stdout);
    expect(defaults.settings.agents.commands).toEqual({});

    const set = await runPatchbay(["settings", "set", "agents.commands.codex", "/opt/bin/codex", "--profile", "tools"], { home });
    expect(set.code).toBe(0);
    expect(readFileSync(join(home, "profiles", "tools.toml"), "utf8")).toContain('[agents.commands]\ncodex = "/opt/bin/codex"');
    const shown = JSON.parse((await runPatchbay(["settings", "show", "--profile", "tools", "--json"], { home })).stdout);
    expect(shown.settings.agents.commands).toEqual({ codex: "/opt/bin/codex" });
  });

  test("`settings set` refuses a name outside the registry in [agents.commands] or [workers.models], listing the built-in agents, and writes no profile", async () => {
    const home = tempDir("pb-agent-names-");
    const refused = await runPatchbay(["settings", "set", "agents.commands.codx", "/opt/bin/codx", "--profile", "typo"], { home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`agents.commands.codx: ${NOT_BUILTIN}`);
    expect(existsSync(join(home, "profiles", "typo.toml"))).toBe(false);
    const models = await runPatchbay(["settings", "set", "workers.models.codx", '["gpt-5.5"]', "--profile", "typo"], { home });
    expect(models.code).toBe(2);
    expect(models.stderr).toContain(`workers.models.codx: ${NOT_BUILTIN}`);
    expect(existsSync(join(home, "profiles", "typo.toml"))).toBe(false);
  });

  test("an unknown name in [agents.commands] stops start, stdio, settings and doctor, listing the built-in agents; no server claims the home", async () => {
    const home = homeWith('[agents.commands]\ncodx = "/bin/true"\n');
    for (const args of [
      ["start", "--port", "0"],
      ["stdio", "--standalone"],
      ["settings", "show"],
    ]) {
      const result = await runPatchbay(args, { home, timeoutMs: 30_000 });
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(`agents.commands.codx: ${NOT_BUILTIN}`);
    }
    expect(existsSync(join(home, "run", "server.json"))).toBe(false);

    const doctor = JSON.parse((await runPatchbay(["doctor", "--json"], { home })).stdout) as {
      checks: Array<{ name: string; status: string; detail: string }>;
    };
    const config = doctor.checks.find((check) => check.name === "config");
    expect(config?.status).toBe("fail");
    expect(config?.detail).toContain(NOT_BUILTIN);
  });

  test("a custom agent under a built-in name is refused, and the older `codex_command` key still sets codex's executable", async () => {
    const custom = await runPatchbay(["settings", "show"], { home: homeWith('[agents.custom.codex]\ncommand = "/bin/true"\n') });
    expect(custom.code).toBe(2);
    expect(custom.stderr).toContain(`agents.custom.codex: "codex" is a built-in agent's name; give the custom agent an id of its own`);

    const old = await runPatchbay(["settings", "--json"], { home: homeWith('[agents]\ncodex_command = "/opt/old/codex"\n') });
    expect(JSON.parse(old.stdout).settings.agents.commands).toEqual({ codex: "/opt/old/codex" });
  });
});
