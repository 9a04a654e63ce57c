/**
 * codex_run_command: the power_tools.bash_mode gate, the safe-mode allowlist (no shell), full mode
 * through bash under the repository lock, process-group timeouts, output caps, environment
 * filtering and cwd confinement.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { isProcessAlive } from "../../src/state/index.ts";
import { clampTimeout, COMMAND_OUTPUT_BYTES } from "../../src/workspace/commands.ts";
import { POWER_TOOLS } from "../../src/workspace/tools/power.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { debianTool } from "../support/debian.ts";
import { harnessSet } from "../support/tools.ts";
import { until } from "../support/until.ts";

/** A repository whose first commit tracks a .env (force-added), so views must hide a blocked file git knows. */
const makeRepo = () =>
  makeGitRepo({ "src/app.ts": "export const a = 1;\n", ".env": "DB_PASSWORD=first\n", "README.md": "readme\n" }, { prefix: "patchbay-cmd-" });

const { open: harnessFor, closeAll } = harnessSet(POWER_TOOLS, { power: { bashMode: "safe" }, mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

type Run = { exit_code: number | null; timed_out: boolean; duration_ms: number; stdout: string; stderr: string; truncated: boolean; cwd: string; mode: string };
/** SIGKILL is delivered asynchronously: the kernel may still show the process for a moment. */
const gone = (pid: number, what: string) => until(() => !isProcessAlive(pid), what);

const ripgrep = debianTool("rg", "ripgrep");
const hasRipgrep = "path" in ripgrep;
if (!hasRipgrep) console.warn(`the rg test of tests/workspace/power-commands.test.ts skips: ${ripgrep.skip}`);

describe("the power_tools.bash_mode gate", () => {
  test("when off, codex_run_command is hidden and refused naming the setting", async () => {
    const tools = await harnessFor(makeRepo(), { power: { bashMode: "off" } });
    expect(
      createToolRegistry(POWER_TOOLS)
        .list(tools.session)
        .map((tool) => tool.name),
    ).toEqual([]);
    const refused = await tools.call("codex_run_command", { command: "git status" });
    expect(refused._meta?.["patchbay/error"] as { code: string; message: string }).toMatchObject({
      code: "tool_disabled",
      message: expect.stringContaining('codex_run_command is turned off by the setting power_tools.bash_mode = "safe"'),
    });
  });
});

describe("safe mode", () => {
  test("runs an allowlisted command without a shell: git status", async () => {
    const root = makeRepo();
    writeFileSync(join(root, "src/app.ts"), "export const a = 2;\n");
    const tools = await harnessFor(root);
    const result = await tools.ok<Run>("codex_run_command", { command: "git status --short" });
    expect(result).toMatchObject({ mode: "safe", exit_code: 0, timed_out: false, stdout: " M src/app.ts\n", cwd: "" });
  });

  test("shell syntax, other programs, absolute paths and .. are refused with command_not_allowed naming what is allowed", async () => {
    const tools = await harnessFor(makeRepo());
    for (const command of [
      "git status; rm -rf /",
      "git status && touch x",
      "ls | wc",
      "ls > out",
      "echo $HOME",
      "ls `pwd`",
      "ls $(pwd)",
      "git log\nrm x",
      "cat /etc/passwd",
      "cat README.md",
      "rm -rf src",
      "curl http://example.com",
      "ls /etc",
      "ls ..",
      "ls ~",
      "git push",
      "git checkout main",
      "git branch evil",
      "git show HEAD:.env",
      "git diff --output=x",
      "find .",
      "eslint --fix src",
      "rg --hidden x",
      "rg -uu x",
    ]) {
      const result = await tools.call("codex_run_command", { command });
      const error = result._meta?.["patchbay/error"] as { code: string; message: string } | undefined;
      expect({ command, code: error?.code }).toEqual({ command, code: "command_not_allowed" });
      expect(error?.message).toContain("safe mode runs only: pwd, ls, rg, git status, git diff");
    }
    expect(git(tools.session.scope.allowedRoots[0]!, "branch", "--list", "evil")).toBe("");
  });

  test("git show and diff of a blob or tree id are refused: they would print a blocked file's content", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    const blob = git(root, "rev-parse", "HEAD:.env");
    const tree = git(root, "rev-parse", "HEAD^{tree}");
    git(root, "tag", "-a", "-m", "points at a blob", "envtag", blob);
    for (const command of [`git show ${blob}`, `git diff ${blob} ${blob}`, `git show ${tree}`, "git show envtag", "git log -L1,1:.env"]) {
      expect({ command, code: await tools.errorCode("codex_run_command", { command }) }).toEqual({ command, code: "command_not_allowed" });
    }
    expect((await tools.ok<Run>("codex_run_command", { command: "git show --stat main" })).exit_code).toBe(0);
  });

  test("a path argument naming a blocked file is refused by the guard", async () => {
    const tools = await harnessFor(makeRepo());
    expect(await tools.errorCode("codex_run_command", { command: "git diff HEAD .env" })).toBe("path_blocked");
    expect(await tools.errorCode("codex_run_command", { command: "ls .git" })).toBe("path_blocked");
  });

  test("git diff and show never print a tracked blocked file", async () => {
    const root = makeRepo();
    writeFileSync(join(root, ".env"), "DB_PASSWORD=second\n");
    writeFileSync(join(root, "README.md"), "changed\n");
    const tools = await harnessFor(root);
    const diff = await tools.ok<Run>("codex_run_command", { command: "git diff" });
    expect(diff.stdout).toContain("+changed");
    expect(diff.stdout).not.toContain("DB_PASSWORD");
    const show = await tools.ok<Run>("codex_run_command", { command: "git show --stat HEAD" });
    expect(show.stdout).toContain("README.md");
    expect(show.stdout).not.toContain(".env");
    const log = await tools.ok<Run>("codex_run_command", { command: "git log --patch-with-stat" });
    expect(log.stdout).toContain("+readme");
    expect(log.stdout).not.toContain("DB_PASSWORD");
  });

  test("runs in a cwd inside the repository, and git views still hide blocked files from there", async () => {
    const root = makeRepo();
    writeFileSync(join(root, ".env"), "DB_PASSWORD=second\n");
    const tools = await harnessFor(root);
    const pwd = await tools.ok<Run>("codex_run_command", { command: "pwd", cwd: "src" });
    expect(pwd.stdout.trim().endsWith("/src")).toBe(true);
    expect(pwd.cwd).toBe("src");
    const diff = await tools.ok<Run>("codex_run_command", { command: "git diff --stat", cwd: "src" });
    expect(diff.stdout).not.toContain(".env");
  });

  test.skipIf(!hasRipgrep)("rg does not search blocked files", async () => {
    const root = makeRepo();
    writeFileSync(join(root, "server.pem"), "needle\n");
    writeFileSync(join(root, "notes.txt"), "needle\n");
    const tools = await harnessFor(root);
    const result = await tools.ok<Run>("codex_run_command", { command: "rg -l needle" });
    expect(result.stdout).toBe("notes.txt\n");
  });
});

describe("both modes", () => {
  test("a cwd outside the repository is refused", async () => {
    const root = makeRepo();
    const outside = tempDir("patchbay-outside-");
    symlinkSync(outside, join(root, "out"));
    const tools = await harnessFor(root, { power: { bashMode: "full" } });
    expect(await tools.errorCode("codex_run_command", { command: "pwd", cwd: "../" })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_run_command", { command: "pwd", cwd: "out" })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_run_command", { command: "pwd", cwd: "/tmp" })).toBe("path_outside_roots");
  });

  test("timeouts are clamped to 1-180 s, 60 s by default", () => {
    expect([clampTimeout(undefined), clampTimeout(0), clampTimeout(5_000), clampTimeout(10_000_000)]).toEqual([60_000, 1_000, 5_000, 180_000]);
  });
});

describe("full mode", () => {
  test("runs the command in bash and reports exit code, stdout and stderr", async () => {
    const tools = await harnessFor(makeRepo(), { power: { bashMode: "full" } });
    const result = await tools.ok<Run>("codex_run_command", { command: "echo out && echo err >&2; exit 3" });
    expect(result).toMatchObject({ mode: "full", exit_code: 3, stdout: "out\n", stderr: "err\n", timed_out: false, truncated: false });
  });

  // The grandchildren below sleep past the test's own timeout: a call that waited for them instead
  // of ending them would fail the test, and one that left them would leave them alive.
  test("a timeout kills the whole process group, grandchildren included", async () => {
    const tools = await harnessFor(makeRepo(), { power: { bashMode: "full" } });
    const result = await tools.ok<Run>("codex_run_command", { command: "sleep 300 & echo $!; wait", timeout_ms: 1_000 });
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(result.timed_out).toBe(true);
    expect(result.exit_code).toBe(null);
    await gone(grandchild, "the timed-out command's grandchild to be killed");
  });

  test("a background process left behind is stopped when the command exits", async () => {
    const tools = await harnessFor(makeRepo(), { power: { bashMode: "full" } });
    const result = await tools.ok<Run>("codex_run_command", { command: "sleep 300 > /dev/null 2>&1 & echo $!" });
    expect(result.exit_code).toBe(0);
    await gone(Number(result.stdout.trim()), "the background process to be stopped");
  });

  test("the environment holds only allowed keys plus TERM=dumb, NO_COLOR=1, CI=1", async () => {
    process.env.PB_LEAK_CHECK = "visible-value";
    try {
      const tools = await harnessFor(makeRepo(), { power: { bashMode: "full" } });
      const result = await tools.ok<Run>("codex_run_command", { command: 'echo "${PB_LEAK_CHECK:-unset} $TERM $NO_COLOR $CI ${HOME:+home}"' });
      expect(result.stdout).toBe("unset dumb 1 1 home\n");
    } finally {
      delete process.env.PB_LEAK_CHECK;
    }
  });

  test("output beyond the cap is dropped and flagged, and the command still finishes", async () => {
    const tools = await harnessFor(makeRepo(), { power: { bashMode: "full" } });
    const result = await tools.ok<Run>("codex_run_command", { command: "head -c 300000 /dev/zero | tr '\\0' a; echo done >&2; exit 0" });
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(COMMAND_OUTPUT_BYTES);
    expect(result.exit_code).toBe(0);
  });

  test("a full-mode command holds the repository lock: a write meanwhile gets repo_busy", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root, { power: { bashMode: "full", directWrite: true } });
    // The command says it runs (so the lock is held), then holds on until the test releases it.
    const running = tools.ok<Run>("codex_run_command", { command: "touch .started; while [ ! -e .release ]; do sleep 0.02; done" });
    await until(() => existsSync(join(root, ".started")), "the command to start");
    const refused = await tools.call("codex_write_file", { file_path: "late.txt", content: "x" });
    expect((refused._meta?.["patchbay/error"] as { code: string; message: string }).message).toContain(
      `${tools.session.clientRef} is running codex_run_command`,
    );
    writeFileSync(join(root, ".release"), "");
    expect((await running).exit_code).toBe(0);
    await tools.ok("codex_write_file", { file_path: "late.txt", content: "x" });
  });
});
