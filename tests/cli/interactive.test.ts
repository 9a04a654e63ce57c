/**
 * The two interactive commands, driven in a real pseudo-terminal: `patchbay setup` (consola select
 * prompts, then `mcp install` into the chosen host) and `patchbay config` without a subcommand (the
 * pipeline wizard: selects and free-text answers, then .ai/patchbay.toml). Each run lives in a tmux
 * session on a private socket, with HOME, CODEX_HOME and PATCHBAY_HOME in temp dirs and a scrubbed
 * environment, so nothing outside the temp dirs is read or written. Keys go in with
 * `tmux send-keys`; the screen is read with `tmux capture-pane -p` and polled (bounded) for each
 * prompt before it is answered.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { makeGitRepo } from "../support/git-repo.ts";
import { debianTool } from "../support/debian.ts";
import { patchbayBinary, removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const tmux = debianTool("tmux", "tmux");
if ("skip" in tmux) console.warn(`tests/cli/interactive.test.ts skipped: ${tmux.skip}`);
const tmuxPath = "path" in tmux ? tmux.path : "tmux";

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** One command in its own tmux server (private socket), kept on screen after it exits. */
class Terminal {
  /** A socket of its own in a temp dir (removed with it), so no other tmux server is touched. */
  private readonly socket = join(tempDir("patchbay-tmux-"), "tmux.sock");
  private readonly session = "pb";

  constructor(cwd: string, env: Record<string, string>, args: string[]) {
    const assignments = Object.entries(env).map(([key, value]) => quote(`${key}=${value}`));
    // env -i: the child sees only what the test sets; the trailing sleep keeps the pane (and its last screen) after exit.
    const command = `env -i ${assignments.join(" ")} ${[patchbayBinary(), ...args].map(quote).join(" ")}; echo "[exit $?]"; exec sleep 120`;
    this.tmux("new-session", "-d", "-s", this.session, "-x", "160", "-y", "50", "-c", cwd, command);
  }

  private tmux(...args: string[]): string {
    const { TMUX: _, ...env } = process.env;
    const result = spawnSync(tmuxPath, ["-S", this.socket, "-f", "/dev/null", ...args], { encoding: "utf8", env, timeout: 5_000 });
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** The whole pane, scrollback included, wrapped lines joined. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", this.session);
  }

  /** Polls the screen until `ready` holds; fails after `timeoutMs` showing the screen. */
  async waitFor(what: string, ready: (screen: string) => boolean, timeoutMs = 8_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (ready(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
      await Bun.sleep(40);
    }
  }

  /** Waits until `text` is on screen at least `times` times (prompts can repeat). */
  waitForText(text: string, times = 1): Promise<string> {
    return this.waitFor(JSON.stringify(text), (screen) => screen.split(text).length - 1 >= times);
  }

  /** Named keys: Enter, Up, Down, C-c … */
  keys(...keys: string[]): void {
    this.tmux("send-keys", "-t", this.session, ...keys);
  }

  /** Literal text, then Enter. */
  type(text: string): void {
    if (text) this.tmux("send-keys", "-t", this.session, "-l", text);
    this.keys("Enter");
  }

  /** Waits for the command to exit and returns its exit code and the final screen. */
  async exit(): Promise<{ code: number; screen: string }> {
    const screen = await this.waitFor("the command to exit", (s) => /\[exit \d+\]/.test(s));
    return { code: Number(/\[exit (\d+)\]/.exec(screen)![1]), screen };
  }

  kill(): void {
    spawnSync(tmuxPath, ["-S", this.socket, "kill-session", "-t", this.session], { stdio: "ignore" });
    spawnSync(tmuxPath, ["-S", this.socket, "kill-server"], { stdio: "ignore" });
  }
}

/** A repository, a temp HOME (with the CODEX_HOME codex requires) and PATCHBAY_HOME, and the scrubbed environment for them. */
function sandbox() {
  const repo = realpathSync(makeGitRepo({ "README.md": "# demo\n", "src/app/main.ts": "export {};\n" }));
  const home = realpathSync(tempDir("patchbay-home-"));
  const codexHome = join(home, ".codex");
  mkdirSync(codexHome);
  const patchbayHome = realpathSync(tempDir("patchbay-pbhome-"));
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    HOME: home,
    CODEX_HOME: codexHome,
    PATCHBAY_HOME: patchbayHome,
  };
  return { repo, home, codexHome, patchbayHome, env };
}

async function run(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  drive: (term: Terminal) => Promise<void>,
): Promise<{ code: number; screen: string }> {
  const term = new Terminal(cwd, env, args);
  try {
    await drive(term);
    return await term.exit();
  } finally {
    term.kill();
  }
}

const FIRST_PROMPT = "Call codex_self_test, then codex_open_workspace, and tell me what this repository is and which patchbay tools you can use.";

describe.skipIf("skip" in tmux)("interactive commands in a real terminal (tmux)", () => {
  test("setup: defaults preselected; codex gets the repository around the current directory and the chosen tool mode", async () => {
    const box = sandbox();
    const { code, screen } = await run(join(box.repo, "src", "app"), box.env, ["setup"], async (term) => {
      expect(await term.waitForText("Which host should use patchbay?")).toContain("● codex");
      term.keys("Enter");
      expect(await term.waitForText("Which tools should it see?")).toContain("● default");
      term.keys("Down", "Down", "Enter");
      expect(await term.waitForText("Power tools (direct writes, shell)?")).toContain("● safe");
      term.keys("Enter");
    });
    expect(code).toBe(0);
    const file = join(box.codexHome, "config.toml");
    expect(screen).toContain(`registered: patchbay in codex (user) ${file}`);
    expect(screen).toContain(`Start codex in ${box.repo} and paste:`);
    expect(screen).toContain(`  ${FIRST_PROMPT}`);
    expect(screen).not.toContain("where should the registration live"); // codex has one scope
    const config = parseToml(readFileSync(file, "utf8")) as { mcp_servers: Record<string, unknown> };
    expect(config.mcp_servers.patchbay).toEqual({
      command: patchbayBinary(),
      args: ["stdio", "--root", box.repo, "--tool-mode", "standard"],
      env: { PATCHBAY_HOME: box.patchbayHome },
      default_tools_approval_mode: "approve",
    });
    expect(readdirSync(box.home)).toEqual([".codex"]);
    expect(readdirSync(box.codexHome)).toEqual(["config.toml"]);
  }, 20_000);

  test("setup: claude asks for the scope; project writes .mcp.json in the repository and nothing in HOME; the default mode writes no --tool-mode", async () => {
    const box = sandbox();
    const { code, screen } = await run(box.repo, box.env, ["setup"], async (term) => {
      await term.waitForText("Which host should use patchbay?");
      term.keys("Down", "Enter");
      await term.waitForText("Which tools should it see?");
      term.keys("Enter");
      await term.waitForText("Power tools (direct writes, shell)?");
      term.keys("Enter");
      expect(await term.waitForText("claude: where should the registration live?")).toContain("● local");
      term.keys("Down", "Down", "Enter");
    });
    expect(code).toBe(0);
    const file = join(box.repo, ".mcp.json");
    expect(screen).toContain(`registered: patchbay in claude (project) ${file}`);
    expect(screen).toContain(`Start claude in ${box.repo} and paste:`);
    expect(screen).toContain(`  ${FIRST_PROMPT}`);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      mcpServers: {
        patchbay: {
          type: "stdio",
          command: patchbayBinary(),
          args: ["stdio", "--root", box.repo],
          env: { PATCHBAY_HOME: box.patchbayHome },
        },
      },
    });
    expect(readdirSync(box.home)).toEqual([".codex"]);
    expect(readdirSync(box.codexHome)).toEqual([]);
  }, 20_000);

  test("config wizard: providers, typed models, fix phase and test commands land in .ai/patchbay.toml; a second run keeps them as defaults", async () => {
    const box = sandbox();
    const tomlFile = join(box.repo, ".ai", "patchbay.toml");
    const first = await run(box.repo, box.env, ["config"], async (term) => {
      const start = await term.waitForText("plan: which provider?");
      expect(start).toContain("creating .ai/patchbay.toml");
      expect(start).toContain("● claude_cli"); // the built-in default for plan
      term.keys("Down", "Enter"); // gemini_cli
      await term.waitForText("plan: model (empty: the provider's default)");
      term.type("gemini-2.5-pro");
      expect(await term.waitForText("write: which provider?")).toContain("● codex_cli");
      term.keys("Up", "Enter"); // wraps to the last option: mock, which asks no model
      await term.waitForText("review: which provider?");
      term.keys("Enter"); // codex_cli
      await term.waitForText("review: model (empty: the provider's default)");
      term.type("gpt-5");
      expect(await term.waitForText("fix: which provider addresses review findings and failing tests?")).toContain("● (same as write)");
      term.keys("Down", "Down", "Enter"); // claude_cli
      await term.waitForText("fix: model (empty: the provider's default)");
      term.type("sonnet");
      const ask = "test: add a command the test phase may run (empty: done)";
      expect(await term.waitForText(ask)).toContain("no test commands yet: apply needs passing tests");
      term.type("bun test");
      await term.waitForText(ask, 2);
      term.type("bun run typecheck");
      await term.waitForText(ask, 3);
      term.type("bun test"); // a duplicate is kept once
      await term.waitForText(ask, 4);
      term.type("");
    });
    expect(first.code).toBe(0);
    expect(first.screen).toContain("saved .ai/patchbay.toml; check it with patchbay doctor");
    const expected = {
      phases: {
        plan: { provider: "gemini_cli", model: "gemini-2.5-pro" },
        write: { provider: "mock" },
        review: { provider: "codex_cli", model: "gpt-5" },
        fix: { provider: "claude_cli", model: "sonnet" },
        test: { commands: ["bun test", "bun run typecheck"] },
      },
    };
    expect(parseToml(readFileSync(tomlFile, "utf8"))).toEqual(expected);
    // The final output: the saved phases, one setting a line (JSON only with --json elsewhere).
    expect(first.screen).toContain("phases.fix.provider: claude_cli");

    // Again: every prompt starts at the saved answer (models pre-filled), so Enter throughout keeps the file as it is…
    const second = await run(box.repo, box.env, ["config"], async (term) => {
      expect(await term.waitForText("plan: which provider?")).toContain("editing the configuration from .ai/patchbay.toml");
      expect(term.screen()).toContain("● gemini_cli");
      term.keys("Enter");
      expect(await term.waitForText("  gemini-2.5-pro")).toContain("plan: model");
      term.keys("Enter");
      expect(await term.waitForText("write: which provider?")).toContain("● mock");
      term.keys("Enter");
      await term.waitForText("review: which provider?");
      term.keys("Enter");
      await term.waitForText("  gpt-5");
      term.keys("C-u", "Enter"); // …except a model cleared to empty, which means the provider's default
      expect(await term.waitForText("fix: which provider addresses review findings and failing tests?")).toContain("● claude_cli");
      term.keys("Enter");
      await term.waitForText("  sonnet");
      term.keys("Enter");
      expect(await term.waitForText("test: add a command")).toContain("test commands: bun test | bun run typecheck");
      term.type("");
    });
    expect(second.code).toBe(0);
    const { model: _, ...review } = expected.phases.review;
    expect(parseToml(readFileSync(tomlFile, "utf8"))).toEqual({ phases: { ...expected.phases, review } });
  }, 20_000);

  test("config wizard: Ctrl-C at a text prompt cancels, exits 1 and writes nothing", async () => {
    const box = sandbox();
    const { code, screen } = await run(box.repo, box.env, ["config"], async (term) => {
      await term.waitForText("plan: which provider?");
      term.keys("Enter");
      await term.waitForText("plan: model");
      term.keys("C-c");
    });
    expect(code).toBe(1);
    expect(screen).toContain("patchbay: Prompt cancelled.");
    expect(existsSync(join(box.repo, ".ai", "patchbay.toml"))).toBe(false);
  }, 20_000);
});
