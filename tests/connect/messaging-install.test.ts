/**
 * The messaging install experience through the compiled binary, in a scratch HOME: `mcp install
 * claude --skills --statusline` and `mcp install codex --skills` write the skills and the status
 * line, a second install changes nothing, uninstall removes exactly what patchbay wrote.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { connectBinary, runConnect } from "./support.ts";

afterAll(removeTempDirs);

function sandbox() {
  const root = tempDir("pb-messaging-install-");
  const home = join(root, "home");
  mkdirSync(home);
  const ws = makeGitRepo({ "README.md": "# x\n" }, { prefix: "pb-messaging-ws-" });
  return { root, home, ws, env: { HOME: home, PATCHBAY_HOME: join(root, "pb") } };
}

/** Every file the install may touch, as text (undefined: absent). */
function snapshot(files: string[]): Record<string, string | undefined> {
  return Object.fromEntries(files.map((file) => [file, existsSync(file) ? readFileSync(file, "utf8") : undefined]));
}

describe("mcp install --skills --statusline (agent messaging)", () => {
  test("claude: skills in ~/.claude/skills and the status line in settings.json; idempotent; uninstall removes only patchbay's", async () => {
    const box = sandbox();
    const claude = join(box.home, ".claude");
    const settings = join(claude, "settings.json");
    const mine = join(claude, "skills", "mine", "SKILL.md");
    mkdirSync(join(claude, "skills", "mine"), { recursive: true });
    writeFileSync(mine, "---\nname: mine\ndescription: my own skill\n---\n");
    writeFileSync(settings, '{\n  "theme": "dark"\n}\n');
    const skills = ["patchbay-messaging", "patchbay-wait"].map((name) => join(claude, "skills", name, "SKILL.md"));
    const install = ["mcp", "install", "claude", "--scope", "user", "--skills", "--statusline", "--agent", "bob@team"];

    const dryRun = await runConnect([...install, "--dry-run"], { cwd: box.ws, env: box.env });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain('"statusLine"');
    expect(dryRun.stdout).toContain("+name: patchbay-wait");
    for (const file of skills) expect(existsSync(file)).toBe(false);
    expect(readFileSync(settings, "utf8")).toBe('{\n  "theme": "dark"\n}\n');

    const first = await runConnect([...install, "--json"], { cwd: box.ws, env: box.env });
    expect(first.code, first.stderr).toBe(0);
    for (const file of skills) {
      const text = readFileSync(file, "utf8");
      expect(text).toMatch(/^---\nname: patchbay-(messaging|wait)\ndescription: ".+"\n---\n/);
      expect(text).toContain("wait_for_message");
    }
    const written = JSON.parse(readFileSync(settings, "utf8"));
    expect(written.theme).toBe("dark");
    expect(written.statusLine).toEqual({
      type: "command",
      command: `PATCHBAY_HOME=${join(box.root, "pb")} ${connectBinary()} msg status --statusline --as bob@team`,
      padding: 0,
      refreshInterval: 30,
    });

    const before = snapshot([...skills, settings, mine]);
    const again = await runConnect([...install, "--json"], { cwd: box.ws, env: box.env });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout).extras as Array<{ status: string }>).map((extra) => extra.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(snapshot([...skills, settings, mine])).toEqual(before);

    const removed = await runConnect(["mcp", "uninstall", "claude", "--scope", "user"], { cwd: box.ws, env: box.env });
    expect(removed.code, removed.stderr).toBe(0);
    for (const file of skills) expect(existsSync(join(file, ".."))).toBe(false);
    expect(JSON.parse(readFileSync(settings, "utf8"))).toEqual({ theme: "dark" });
    expect(readFileSync(mine, "utf8")).toBe("---\nname: mine\ndescription: my own skill\n---\n");
  });

  test("claude: someone else's status line or same-named skill is refused and left as it was", async () => {
    const box = sandbox();
    const claude = join(box.ws, ".claude");
    mkdirSync(join(claude, "skills", "patchbay-wait"), { recursive: true });
    const settings = join(claude, "settings.json");
    const theirs = '{\n  "statusLine": { "type": "command", "command": "my-status" }\n}\n';
    writeFileSync(settings, theirs);
    const statusLine = await runConnect(["mcp", "install", "claude", "--scope", "project", "--statusline", "--agent", "bob@team"], {
      cwd: box.ws,
      env: box.env,
    });
    expect(statusLine.code).toBe(1);
    expect(statusLine.stderr).toContain("statusLine");
    expect(readFileSync(settings, "utf8")).toBe(theirs);
    expect(existsSync(join(box.ws, ".mcp.json"))).toBe(false);

    const skill = join(claude, "skills", "patchbay-wait", "SKILL.md");
    writeFileSync(skill, "my own text\n");
    const skills = await runConnect(["mcp", "install", "claude", "--scope", "project", "--skills"], { cwd: box.ws, env: box.env });
    expect(skills.code).toBe(1);
    expect(skills.stderr).toContain(skill);
    expect(readFileSync(skill, "utf8")).toBe("my own text\n");
    expect(existsSync(join(claude, "skills", "patchbay-messaging"))).toBe(false);
    // Uninstall leaves both alone too.
    expect((await runConnect(["mcp", "uninstall", "claude", "--scope", "project"], { cwd: box.ws, env: box.env })).code).toBe(0);
    expect(readFileSync(settings, "utf8")).toBe(theirs);
    expect(readFileSync(skill, "utf8")).toBe("my own text\n");
  });

  test("codex: a project skill in the repository's .agents/skills; idempotent; uninstall removes it", async () => {
    const box = sandbox();
    const skill = join(box.ws, ".agents", "skills", "patchbay-messaging", "SKILL.md");
    const installed = await runConnect(["mcp", "install", "codex", "--skills"], { cwd: box.ws, env: box.env });
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`added skill ${skill}`);
    const text = readFileSync(skill, "utf8");
    expect(text).toStartWith("---\nname: patchbay-messaging\n");
    expect(readFileSync(join(box.home, ".codex", "config.toml"), "utf8")).toContain("[mcp_servers.patchbay]");

    const again = await runConnect(["mcp", "install", "codex", "--skills"], { cwd: box.ws, env: box.env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already up to date: skill ${skill}`);
    expect(readFileSync(skill, "utf8")).toBe(text);

    const refused = await runConnect(["mcp", "install", "codex", "--statusline", "--agent", "bob@team"], { cwd: box.ws, env: box.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--statusline is for Claude Code only");

    expect((await runConnect(["mcp", "uninstall", "codex"], { cwd: box.ws, env: box.env })).code).toBe(0);
    expect(existsSync(join(box.ws, ".agents", "skills", "patchbay-messaging"))).toBe(false);
    // The skills folder install made, empty now, goes too: the repository is left as it was.
    expect(existsSync(join(box.ws, ".agents", "skills"))).toBe(false);
  });
});
