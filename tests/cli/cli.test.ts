import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { makeGitRepo } from "../support/git-repo.ts";
import { patchbayEnv, removeTempDirs, repoRoot, runPatchbay, tempDir } from "../support/patchbay.ts";
import { runProcess } from "../support/process.ts";

afterAll(removeTempDirs);

describe("patchbay CLI", () => {
  test("--help lists every subcommand; --version prints the package version", async () => {
    const help = await runPatchbay(["--help"], { home: tempDir() });
    expect(help.code).toBe(0);
    for (const command of ["start", "stdio", "status", "stop", "settings", "doctor", "handoff", "context"]) expect(help.stdout).toContain(command);
    const version = await runPatchbay(["--version"], { home: tempDir() });
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  test("an unknown flag fails with one line naming it and the valid flags, exit 2", async () => {
    const result = await runPatchbay(["settings", "--jsn"], { home: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("patchbay: unknown flag --jsn for `patchbay settings`; flags: --profile, --json, --reveal-token");
  });

  test("a bad value fails naming the flag and its valid values, exit 2", async () => {
    const result = await runPatchbay(["start", "--tool-mode", "max", "--print-only"], { home: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("patchbay: --tool-mode: expected one of minimal, worker, standard, full, got max\n  next: see `patchbay start --help`\n");
  });

  test("an unknown command names the commands", async () => {
    const result = await runPatchbay(["serve"], { home: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "serve"; commands: start, stdio, status, stop, settings, doctor, handoff, context');
  });

  test("a misspelt command or flag names the one meant, and running what it names works", async () => {
    const home = tempDir();
    const command = await runPatchbay(["setings"], { home });
    expect(command.code).toBe(2);
    const meantCommand = /did you mean `patchbay ([a-z ]+)`\?/.exec(command.stderr)?.[1];
    expect(meantCommand).toBe("settings");
    const flag = await runPatchbay([meantCommand!, "--jsn"], { home });
    expect(flag.code).toBe(2);
    const meantFlag = /did you mean (--[a-z-]+)\?/.exec(flag.stderr)?.[1];
    expect(meantFlag).toBe("--json");
    const right = await runPatchbay([meantCommand!, meantFlag!], { home });
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout).settings.server).toBeDefined();
    // Nothing near: the help, as before.
    expect((await runPatchbay(["frobnicate"], { home })).stderr).toContain("next: run `patchbay --help`");
  });

  test("words past a command's arguments are refused, exit 2, and nothing is done: no profile overwritten, no message sent", async () => {
    const home = tempDir();
    const saved = await runPatchbay(["start", "--print-only", "--save-profile", "--port", "18411"], { home });
    expect(saved.code, saved.stderr).toBe(0);
    const before = readFileSync(join(home, "profiles", "default.toml"), "utf8");
    // `--save-profile NAME` reads like it names the profile; the name is --profile's.
    const stray = await runPatchbay(["start", "--print-only", "--save-profile", "mine", "--port", "18412"], { home });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('unexpected argument "mine" for `patchbay start`');
    expect(readFileSync(join(home, "profiles", "default.toml"), "utf8")).toBe(before);
    expect(existsSync(join(home, "profiles", "mine.toml"))).toBe(false);
    // An unquoted message is not cut to its first word: nothing is sent, so no server is started for it.
    const unquoted = await runPatchbay(["msg", "send", "--as", "alice@team", "bob@team", "hello", "world"], { home });
    expect(unquoted.code).toBe(2);
    expect(unquoted.stderr).toContain('unexpected argument "world" for `patchbay msg send`: it takes TO TEXT');
    expect(existsSync(join(home, "run", "server.json"))).toBe(false);
  });

  test("settings shows the effective config with the token redacted unless --reveal-token", async () => {
    const home = tempDir();
    await Bun.write(`${home}/config.toml`, "[server]\nport = 9123\n");
    const env = { PATCHBAY_HTTP_TOKEN: "secret-token-value-1234567890" };
    const shown = await runPatchbay(["settings", "--json"], { home, env });
    expect(shown.code).toBe(0);
    const view = JSON.parse(shown.stdout);
    expect(view.settings.server.port).toBe(9123);
    expect(view.settings.auth.token).toBe("[redacted]");
    expect(shown.stdout).not.toContain("secret-token-value");
    const revealed = await runPatchbay(["settings", "--json", "--reveal-token"], { home, env });
    expect(JSON.parse(revealed.stdout).settings.auth.token).toBe("secret-token-value-1234567890");
    const text = await runPatchbay(["settings"], { home, env });
    expect(text.stdout).toContain("server.port = 9123");
  });

  test("--json errors are JSON on stdout", async () => {
    const home = tempDir();
    await Bun.write(`${home}/config.toml`, '[app]\ntool_mode = "max"\n');
    const result = await runPatchbay(["settings", "--json"], { home });
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout);
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe("config_invalid");
    expect(body.error.message).toContain('app.tool_mode: expected one of minimal, worker, standard, full, got "max"');
  });

  test("doctor checks git, agent CLIs, state, config, each agent's credentials and port, one line each", async () => {
    const home = tempDir();
    const result = await runPatchbay(["doctor", "--json"], { home, env: { PATH: `/nonexistent:${process.env.PATH}` } });
    const report = JSON.parse(result.stdout);
    expect(report.checks.map((check: { name: string }) => check.name)).toEqual([
      "git",
      "codex",
      "claude",
      "gemini",
      "tunnel",
      "state",
      "config",
      "auth",
      "auth",
      "auth",
      "port",
    ]);
    expect(
      report.checks.filter((check: { name: string }) => check.name === "auth").map((check: { credentials: { agent: string } }) => check.credentials.agent),
    ).toEqual(["codex", "claude", "gemini"]);
    const byName = Object.fromEntries(report.checks.map((check: { name: string; status: string }) => [check.name, check.status]));
    expect(byName.git).toBe("ok");
    expect(byName.state).toBe("ok");
    expect(byName.config).toBe("ok");
    expect(result.code).toBe(report.ok ? 0 : 1);
  });

  test("doctor fails on an invalid config and says what to fix", async () => {
    const home = tempDir();
    await Bun.write(`${home}/config.toml`, "[server]\nport = 0\n");
    const result = await runPatchbay(["doctor"], { home });
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n")).toContain(
      `FAIL  config  ${home}/config.toml: invalid configuration; server.port: expected 1-65535, got 0 -> fix the keys listed above in ${home}/config.toml`,
    );
  });

  test("doctor reports OpenAI's tunnel client as an optional check", async () => {
    const result = await runPatchbay(["doctor", "--json"], { home: tempDir(), env: { PATH: "/usr/bin:/bin" } });
    const tunnel = JSON.parse(result.stdout).checks.find((check: { name: string }) => check.name === "tunnel");
    expect(tunnel.status).toBe("warn");
    expect(tunnel.next).toContain("github.com/openai/tunnel-client");
  });

  test("doctor reports a missing agent CLI as a warning with the install command", async () => {
    const result = await runPatchbay(["doctor", "--json"], { home: tempDir(), env: { PATH: "/usr/bin:/bin" } });
    const codex = JSON.parse(result.stdout).checks.find((check: { name: string }) => check.name === "codex");
    expect(codex).toEqual({
      name: "codex",
      status: "warn",
      detail: "codex is not on PATH",
      next: "npm install -g @openai/codex, or point agents.commands.codex at it, to run codex workers",
    });
  });

  test("--save-profile saves the launch flags; --profile loads them", async () => {
    const home = tempDir();
    const saved = await runPatchbay(["start", "--print-only", "--save-profile", "--profile", "wide", "--tool-mode", "full", "--bash-mode", "safe"], { home });
    expect(saved.code).toBe(0);
    expect(saved.stderr).toContain(`saved the launch flags to ${home}/profiles/wide.toml`);
    const settings = JSON.parse((await runPatchbay(["settings", "--json", "--profile", "wide"], { home })).stdout).settings;
    expect(settings.app.tool_mode).toBe("full");
    expect(settings.power_tools.bash_mode).toBe("safe");
    const missing = await runPatchbay(["settings", "--profile", "narrow"], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('profile "narrow" does not exist');
    expect(missing.stderr).toContain("existing profiles: wide");
    // In a repository that uses a profile, show shows what `start` there would use.
    const repo = makeGitRepo({ "a.txt": "a\n" });
    expect((await runPatchbay(["settings", "use", "wide"], { home, cwd: repo })).code).toBe(0);
    const shown = JSON.parse((await runPatchbay(["settings", "show", "--json"], { home, cwd: repo })).stdout);
    expect(shown.profile).toBe("wide");
    expect(shown.settings.app.tool_mode).toBe("full");
    // Outside any repository that uses one, no profile.
    const plain = JSON.parse((await runPatchbay(["settings", "show", "--json"], { home, cwd: tempDir() })).stdout);
    expect(plain).toMatchObject({ profile: null, settings: { app: { tool_mode: "worker" } } });
  });
});

describe("bin/patchbay", () => {
  test("runs patchbay from a checkout", async () => {
    const result = await runProcess(`${repoRoot}/bin/patchbay`, ["--version"], { cwd: repoRoot, env: patchbayEnv(tempDir()) });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});

describe("repeatable flags", () => {
  test("every --allow-root counts, not only the last", async () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    const result = await runPatchbay(["start", "--print-only", "--json", "--root", a, "--allow-root", b, `--allow-root=${c}`], { home: tempDir() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).setup_guide.allowed_roots).toEqual([a, b, c]);
  });
});
