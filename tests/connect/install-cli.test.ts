import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { connectBinary, runConnect } from "./support.ts";

afterAll(removeTempDirs);

function sandbox() {
  const root = tempDir("pb-connect-cli-");
  const home = join(root, "home");
  mkdirSync(home);
  const ws = makeGitRepo({ "README.md": "# x\n" }, { prefix: "pb-connect-ws-" });
  mkdirSync(join(ws, "sub"));
  return { root, home, ws, env: { HOME: home, PATCHBAY_HOME: join(root, "pb") } };
}

describe("patchbay mcp install / uninstall", () => {
  test("--dry-run prints the diff and writes nothing; the root defaults to the enclosing git work tree", async () => {
    const box = sandbox();
    const result = await runConnect(["mcp", "install", "claude", "--dry-run"], { cwd: join(box.ws, "sub"), env: box.env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`--- ${join(box.home, ".claude.json")}`);
    expect(result.stdout).toContain(`"command": "${connectBinary()}"`);
    expect(result.stdout).toContain(`"${box.ws}"`);
    expect(existsSync(join(box.home, ".claude.json"))).toBe(false);
  });

  test("an unparseable or non-object file is refused and left byte for byte as it was", async () => {
    const box = sandbox();
    mkdirSync(join(box.ws, ".gemini"));
    const file = join(box.ws, ".gemini", "settings.json");
    for (const text of ['{ "theme": ', "[]\n"]) {
      writeFileSync(file, text);
      const result = await runConnect(["mcp", "install", "gemini"], { cwd: box.ws, env: box.env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${file}: `);
      expect(result.stderr).toContain("left untouched");
      expect(readFileSync(file, "utf8")).toBe(text);
    }
  });

  test("a backup is written before a change; CLAUDE_CONFIG_DIR and GEMINI_CLI_HOME are honoured; uninstall removes only the entry", async () => {
    const box = sandbox();
    const claudeDir = join(box.root, "claude-config");
    mkdirSync(claudeDir);
    const original = '{\n  "numStartups": 4,\n  "mcpServers": {\n    "mine": {\n      "command": "node"\n    }\n  }\n}\n';
    writeFileSync(join(claudeDir, ".claude.json"), original, { mode: 0o600 });
    const env = { ...box.env, CLAUDE_CONFIG_DIR: claudeDir, GEMINI_CLI_HOME: join(box.root, "gemini-home") };
    const added = JSON.parse((await runConnect(["mcp", "install", "claude", "--scope", "user", "--json"], { cwd: box.ws, env })).stdout);
    expect(added).toMatchObject({ status: "added", scope: "user", file: join(claudeDir, ".claude.json") });
    expect(readFileSync(added.backup, "utf8")).toBe(original);
    expect(statSync(added.backup).mode & 0o777).toBe(0o600);
    expect(statSync(join(claudeDir, ".claude.json")).mode & 0o777).toBe(0o600);
    const removed = JSON.parse((await runConnect(["mcp", "uninstall", "claude", "--scope", "user", "--json"], { cwd: box.ws, env })).stdout);
    expect(removed.status).toBe("removed");
    expect(readFileSync(join(claudeDir, ".claude.json"), "utf8")).toBe(original);
    expect(readdirSync(join(box.root, "pb", "backups"))).toHaveLength(2);

    const gemini = JSON.parse((await runConnect(["mcp", "install", "gemini", "--scope", "user", "--trust", "--json"], { cwd: box.ws, env })).stdout);
    expect(gemini.file).toBe(join(box.root, "gemini-home", ".gemini", "settings.json"));
    expect(JSON.parse(readFileSync(gemini.file, "utf8")).mcpServers.patchbay.trust).toBe(true);
    const gone = JSON.parse((await runConnect(["mcp", "uninstall", "gemini", "--scope", "user", "--json"], { cwd: box.ws, env })).stdout);
    expect(gone).toMatchObject({ status: "removed", backup: expect.any(String) });
    expect(existsSync(gemini.file)).toBe(false); // install created it; nothing else was in it
  });

  test("--http never writes the token unless --embed-token; --embed-token without the variable is refused", async () => {
    const box = sandbox();
    const token = "tok-0123456789abcdef0123456789";
    const env = { ...box.env, PATCHBAY_HTTP_TOKEN: token };
    await runConnect(["mcp", "install", "claude", "--http", "http://127.0.0.1:8000/mcp"], { cwd: box.ws, env });
    const text = readFileSync(join(box.home, ".claude.json"), "utf8");
    expect(text).not.toContain(token);
    expect(text).toContain('"Authorization": "Bearer ${PATCHBAY_HTTP_TOKEN}"');
    const embedded = await runConnect(["mcp", "install", "claude", "--http", "http://127.0.0.1:8000/mcp", "--embed-token", "--json"], { cwd: box.ws, env });
    expect(embedded.stdout).not.toContain(token);
    expect(readFileSync(join(box.home, ".claude.json"), "utf8")).toContain(`"Bearer ${token}"`);
    const refused = await runConnect(["mcp", "install", "gemini", "--http", "http://127.0.0.1:8000/mcp", "--embed-token"], { cwd: box.ws, env: box.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("PATCHBAY_HTTP_TOKEN is not set");
  });

  test("claude-desktop uses the XDG location on Linux; a bad scope or host names the valid ones", async () => {
    const box = sandbox();
    const result = JSON.parse(
      (await runConnect(["mcp", "install", "claude-desktop", "--json"], { cwd: box.ws, env: { ...box.env, XDG_CONFIG_HOME: join(box.root, "xdg") } })).stdout,
    );
    expect(result.file).toBe(join(box.root, "xdg", "Claude", "claude_desktop_config.json"));
    const scope = await runConnect(["mcp", "install", "codex", "--scope", "project"], { cwd: box.ws, env: box.env });
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain('codex has no "project" scope; scopes: user');
    const host = await runConnect(["mcp", "install", "cursor"], { cwd: box.ws, env: box.env });
    expect(host.code).toBe(2);
    expect(host.stderr).toContain('unknown host "cursor"; hosts: codex, claude, claude-desktop, gemini');
  });

  test("doctor starts the registered server, does the handshake and tools/list, and names what is missing", async () => {
    const box = sandbox();
    mkdirSync(join(box.home, ".codex"));
    await runConnect(["mcp", "install", "codex", "--standalone"], { cwd: box.ws, env: box.env });
    const result = await runConnect(["mcp", "doctor", "--json"], { cwd: box.ws, env: box.env, timeoutMs: 60_000 });
    const report = JSON.parse(result.stdout);
    expect(result.code, result.stdout).toBe(0);
    const codex = report.checks.find((check: { host: string }) => check.host === "codex");
    expect(codex.status).toBe("ok");
    expect(codex.tools).toBeGreaterThan(3);
    expect(codex.detail).toMatch(/^patchbay .* answered \(protocol 2025-06-18\), \d+ tools$/);
    const claude = report.checks.find((check: { host: string; scope: string }) => check.host === "claude" && check.scope === "local");
    expect(claude).toMatchObject({ status: "missing", next: "patchbay mcp install claude --scope local" });

    // With the shared server running on the same home, a --standalone registration cannot start: doctor says why and what shares it.
    expect((await runConnect(["job", "run", "--agent", "mock", "hello"], { cwd: box.ws, env: box.env, timeoutMs: 60_000 })).code).toBe(0);
    try {
      const owned = JSON.parse((await runConnect(["mcp", "doctor", "--json"], { cwd: box.ws, env: box.env, timeoutMs: 60_000 })).stdout);
      const blocked = owned.checks.find((check: { host: string }) => check.host === "codex");
      expect(blocked.status).toBe("fail");
      expect(blocked.next).toContain("`patchbay mcp install codex` (without --standalone) shares the running server");
      expect(blocked.detail).toContain("a --standalone session needs PATCHBAY_HOME to itself");
    } finally {
      await runConnect(["stop"], { cwd: box.ws, env: box.env });
    }
  });
});

describe("patchbay mcp install claude --inbox-hook", () => {
  const OTHER_HOOKS = `{
  // my settings
  "model": "opus",
  "hooks": {
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "notify-send done"
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "echo pre"
          }
        ]
      }
    ]
  }
}
`;

  test("adds one Stop group next to the user's hooks, idempotently and backed up; uninstall restores the file byte for byte", async () => {
    const box = sandbox();
    const file = join(box.ws, ".claude", "settings.local.json");
    mkdirSync(join(box.ws, ".claude"));
    writeFileSync(file, OTHER_HOOKS);
    const command = `PATCHBAY_HOME=${box.env.PATCHBAY_HOME} ${connectBinary()} msg hook --as bob@team`;

    const dry = await runConnect(["mcp", "install", "claude", "--inbox-hook", "--agent", "bob@team", "--dry-run"], { cwd: box.ws, env: box.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`--- ${file}`);
    expect(dry.stdout).toContain(`+            "command": "${command}",`);
    expect(dry.stdout).toContain(`(dry run: ${file} not written)`);
    expect(readFileSync(file, "utf8")).toBe(OTHER_HOOKS);

    const added = JSON.parse(
      (await runConnect(["mcp", "install", "claude", "--inbox-hook", "--agent", "bob@team", "--json"], { cwd: box.ws, env: box.env })).stdout,
    );
    expect(readFileSync(added.inbox_hook.backup, "utf8")).toBe(OTHER_HOOKS);
    expect(added.inbox_hook).toMatchObject({ file, status: "added", command });
    const text = readFileSync(file, "utf8");
    expect(text).toContain("// my settings");
    const settings = Bun.JSONC.parse(text) as any;
    expect(settings.model).toBe("opus");
    expect(settings.hooks.PreToolUse).toEqual([{ matcher: "Bash", hooks: [{ type: "command", command: "echo pre" }] }]);
    expect(settings.hooks.Stop).toEqual([
      { hooks: [{ type: "command", command: "notify-send done" }] },
      { hooks: [{ type: "command", command, timeout: 10, statusMessage: "patchbay: checking the inbox" }] },
    ]);

    const again = JSON.parse(
      (await runConnect(["mcp", "install", "claude", "--inbox-hook", "--agent", "bob@team", "--json"], { cwd: box.ws, env: box.env })).stdout,
    );
    expect(again.inbox_hook).toMatchObject({ status: "unchanged", backup: null });
    expect(readFileSync(file, "utf8")).toBe(text);

    // Another agent replaces patchbay's group in place; there is never more than one.
    const other = JSON.parse(
      (await runConnect(["mcp", "install", "claude", "--inbox-hook", "--json"], { cwd: box.ws, env: { ...box.env, PATCHBAY_AGENT: "carol@team" } })).stdout,
    );
    expect(other.inbox_hook.status).toBe("updated");
    const stop = (Bun.JSONC.parse(readFileSync(file, "utf8")) as any).hooks.Stop;
    expect(stop).toHaveLength(2);
    expect(stop[1].hooks[0].command).toEndWith("msg hook --as carol@team");

    const removed = JSON.parse((await runConnect(["mcp", "uninstall", "claude", "--json"], { cwd: box.ws, env: box.env })).stdout);
    expect(removed).toMatchObject({ status: "removed", inbox_hook: { file, status: "removed", backup: expect.any(String) } });
    expect(readFileSync(file, "utf8")).toBe(OTHER_HOOKS);
    const twice = JSON.parse((await runConnect(["mcp", "uninstall", "claude", "--json"], { cwd: box.ws, env: box.env })).stdout);
    expect(twice.status).toBe("absent");
    expect(twice.inbox_hook).toBeUndefined();
    expect(readFileSync(file, "utf8")).toBe(OTHER_HOOKS);
  });

  test("scopes: user is $CLAUDE_CONFIG_DIR/settings.json or ~/.claude/settings.json, project .claude/settings.json; a file install created is removed again", async () => {
    const box = sandbox();
    const configDir = join(box.root, "claude-config");
    const cases: Array<[string, Record<string, string>, string]> = [
      ["user", {}, join(box.home, ".claude", "settings.json")],
      ["user", { CLAUDE_CONFIG_DIR: configDir }, join(configDir, "settings.json")],
      ["project", {}, join(box.ws, ".claude", "settings.json")],
    ];
    for (const [scope, extra, file] of cases) {
      const env = { ...box.env, ...extra };
      const added = JSON.parse(
        (await runConnect(["mcp", "install", "claude", "--scope", scope, "--inbox-hook", "--agent", "bob@team", "--json"], { cwd: box.ws, env })).stdout,
      );
      expect(added.inbox_hook).toMatchObject({ file, status: "added", backup: null });
      expect(Object.keys(JSON.parse(readFileSync(file, "utf8")))).toEqual(["hooks"]);
      await runConnect(["mcp", "uninstall", "claude", "--scope", scope], { cwd: box.ws, env });
      expect(existsSync(file)).toBe(false);
    }
  });

  test("refused without an agent, with a bare name, for other hosts, and --agent without --inbox-hook; nothing is written", async () => {
    const box = sandbox();
    const attempts: Array<[string[], string]> = [
      [["claude", "--inbox-hook"], "--inbox-hook needs the agent"],
      [["claude", "--inbox-hook", "--agent", "bob"], "expected NAME@NAMESPACE"],
      [["gemini", "--inbox-hook", "--agent", "bob@team"], "--inbox-hook is for Claude Code only"],
      [["claude", "--agent", "bob@team"], "--agent only applies with --inbox-hook"],
    ];
    for (const [args, message] of attempts) {
      const result = await runConnect(["mcp", "install", ...args], { cwd: box.ws, env: box.env });
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.stderr).toContain(message);
    }
    expect(existsSync(join(box.home, ".claude.json"))).toBe(false);
    expect(existsSync(join(box.ws, ".claude"))).toBe(false);
    expect(existsSync(join(box.ws, ".gemini"))).toBe(false);
  });

  // npm test installs tests/agents-cli first; without it this test is reported skipped, never passed.
  const claude = join(import.meta.dir, "..", "agents-cli", "node_modules", ".bin", "claude");
  test.skipIf(!existsSync(claude))(
    "the installed claude CLI's `claude doctor` finds no invalid settings in the file install wrote (and does flag a broken hook)",
    async () => {
      // The behavioural check is tests/messaging/hook.test.ts: a claude -p turn that the hook keeps going.
      const { runProcess } = await import("../support/process.ts");
      const doctor = (home: string) =>
        runProcess(claude, ["doctor"], {
          cwd: home,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CI: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
          timeoutMs: 30_000,
        });
      const box = sandbox();
      const installed = await runConnect(["mcp", "install", "claude", "--scope", "user", "--inbox-hook", "--agent", "bob@team"], { cwd: box.ws, env: box.env });
      expect(installed.code, installed.stderr).toBe(0);
      const ours = await doctor(box.home);
      expect(ours.stdout).toContain("Claude Code doctor");
      expect(ours.stdout).not.toContain("Invalid settings");

      const broken = sandbox();
      mkdirSync(join(broken.home, ".claude"));
      writeFileSync(join(broken.home, ".claude", "settings.json"), JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: "bogus", command: "x" }] }] } }));
      const flagged = await doctor(broken.home);
      expect(flagged.stdout).toContain("Invalid settings");
      expect(flagged.stdout).toContain("hooks.Stop.0.hooks.0.type");
    },
    60_000,
  );
});
