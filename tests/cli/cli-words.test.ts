/**
 * The CLI speaks CLI (issue 15), through the compiled binary: numeric flags parsed with their
 * range, one error style and exit-code rule, help fit for a pipe, short confirmations, a setup
 * and a dry run that refuse as the real thing would, a cleanup that reports only what it removed,
 * a stdio session that answers a line that is not JSON, and a background server that says so.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mockPrompt, processGone } from "../jobs/support.ts";
import { until } from "../support/until.ts";
import { mockToml, pipelineRepo } from "../pipeline/helpers.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { patchbayBinary, patchbayEnv, removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function newHome(): string {
  const home = tempDir("patchbay-cli-words-");
  homes.push(home);
  return home;
}

const serverRecord = (home: string) => join(home, "run", "server.json");

/** One line of error, then `next:`, and no MCP tool or snake_case argument. */
function expectCliError(stderr: string, first: string): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines[0]).toBe(first);
  expect(lines[1]).toStartWith("  next: ");
  expect(lines).toHaveLength(2);
  expect(stderr).not.toMatch(/\bcodex_|\bpatchbay_|\u001b/);
}

describe("numeric flags", () => {
  const cases: Array<{ args: string[]; flag: string; range: string; got: string }> = [
    { args: ["runs", "--limit", "abc"], flag: "limit", range: "1 to 1000", got: "abc" },
    { args: ["runs", "--limit", "0"], flag: "limit", range: "1 to 1000", got: "0" },
    { args: ["runs", "--limit=-3"], flag: "limit", range: "1 to 1000", got: "-3" },
    { args: ["events", "run_lzq1x5c8a_1f3e9b", "--since", "abc"], flag: "since", range: "0 to 9007199254740991", got: "abc" },
    { args: ["cleanup", "--older-than-days", "abc"], flag: "older-than-days", range: "0 to 36500", got: "abc" },
    { args: ["cancel", "run_lzq1x5c8a_1f3e9b", "--wait", "1.5"], flag: "wait", range: "0 to 3600", got: "1.5" },
    { args: ["worker", "inspect", "w", "--wait", "abc"], flag: "wait", range: "0 to 30", got: "abc" },
    { args: ["job", "list", "--limit", "abc"], flag: "limit", range: "1 to 1000", got: "abc" },
    { args: ["msg", "wait", "--timeout", "0", "--as", "a@b"], flag: "timeout", range: "1 to 3600", got: "0" },
    { args: ["start", "--print-only", "--tunnel-timeout-seconds", "soon"], flag: "tunnel-timeout-seconds", range: "1 to 600", got: "soon" },
  ];
  test("each bad value is exit 2 naming the flag and its range; nothing runs (no server started, no run touched)", async () => {
    const home = newHome();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    for (const { args, flag, range, got } of cases) {
      const result = await runPatchbay(args, { home, cwd: repo });
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expectCliError(result.stderr, `patchbay: --${flag}: expected an integer from ${range}, got ${got}`);
      expect(result.stdout).toBe("");
    }
    expect(existsSync(serverRecord(home))).toBe(false);
    expect(existsSync(join(repo, ".ai"))).toBe(false);
  }, 60_000);
});

describe("one error style, one exit-code rule", () => {
  test("a bad enum value, a missing argument, an unknown agent and an unknown host are all bad input: exit 2, one line and next", async () => {
    const home = newHome();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const mode = await runPatchbay(["start", "--tool-mode", "nope", "--print-only"], { home, cwd: repo });
    expect(mode.code).toBe(2);
    expectCliError(mode.stderr, "patchbay: --tool-mode: expected one of minimal, worker, standard, full, got nope");

    const missing = await runPatchbay(["worker", "start"], { home, cwd: repo });
    expect(missing.code).toBe(2);
    expectCliError(missing.stderr, "patchbay: NAME: required");

    expect((await runPatchbay(["job", "list"], { home, timeoutMs: 60_000 })).code).toBe(0); // the server runs: its start-up line is not this error
    const agent = await runPatchbay(["job", "run", "hi", "--agent", "nope", "--repo", repo], { home, timeoutMs: 60_000 });
    expect(agent.code).toBe(2);
    expectCliError(agent.stderr, 'patchbay: unknown agent "nope"; available: codex, claude, gemini, mock');

    const host = await runPatchbay(["mcp", "install", "nope"], { home, cwd: repo });
    expect(host.code).toBe(2);
    expectCliError(host.stderr, 'patchbay: unknown host "nope"; hosts: codex, claude, claude-desktop, gemini');
  }, 90_000);

  test("an in-process pipeline error names `patchbay runs`, not its tool", async () => {
    const home = newHome();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    for (const command of ["diff", "cancel"]) {
      const result = await runPatchbay([command, "run_lzq1x5c8a_1f3e9b"], { home, cwd: repo });
      expect(result.code).toBe(1);
      expectCliError(result.stderr, `patchbay: no run run_lzq1x5c8a_1f3e9b in ${repo}`);
      expect(result.stderr).toContain("  next: list runs with `patchbay runs`\n");
    }
  });
});

test("handoff execute without a plan points at `patchbay context apply`; token revoke without a target is bad input and revokes nothing", async () => {
  const home = newHome();
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const handoff = await runPatchbay(["handoff", "execute", "--root", repo, "--agent", "x", "--command-template", "true {plan_file}"], { home });
  expect(handoff.code).toBe(1);
  expectCliError(handoff.stderr, `patchbay: ${repo} has no .ai-bridge/current-plan.md`);
  expect(handoff.stderr).toContain("next: write one with `patchbay context apply --root DIR --file plan.md --agent NAME`");

  expect((await runPatchbay(["token", "add", "alice"], { home })).code).toBe(0);
  const revoke = await runPatchbay(["token", "revoke"], { home });
  expect(revoke.code).toBe(2);
  expectCliError(revoke.stderr, "patchbay: say which tokens to revoke");
  expect((await runPatchbay(["token", "list"], { home })).stdout).toContain("alice@default");
});

test("a missing plan file is said in words; a flag is offered only where it does something; --trust outside Gemini is refused and writes nothing", async () => {
  const home = newHome();
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const missing = await runPatchbay(["context", "apply", "--root", repo, "--file", "missing.md", "--agent", "codex"], { home, cwd: repo });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`cannot read --file missing.md (${join(repo, "missing.md")}): no such file`);
  expect(missing.stderr).not.toContain("ENOENT");
  expect((await runPatchbay(["handoff", "execute", "--help"], { home })).stdout).not.toContain("--once");
  expect((await runPatchbay(["handoff", "watch", "--help"], { home })).stdout).toContain("--once");
  const hostHome = tempDir("patchbay-cli-words-host-");
  const trust = await runPatchbay(["mcp", "install", "codex", "--trust", "--root", repo], {
    home,
    env: { HOME: hostHome, CODEX_HOME: join(hostHome, ".codex") },
  });
  expect(trust.code).toBe(2);
  expect(trust.stderr).toContain("--trust is for Gemini CLI only, not codex");
  expect(existsSync(join(hostHome, ".codex", "config.toml"))).toBe(false);
});

describe("output for people", () => {
  test("--help through a pipe has no escape codes and no trailing spaces; FORCE_COLOR=1 colours it, also in CI", async () => {
    const home = newHome();
    for (const args of [["--help"], ["job", "--help"], ["worker", "inspect", "--help"]]) {
      const piped = await runPatchbay(args, { home, env: { NO_COLOR: "" } });
      expect(piped.code).toBe(0);
      expect(piped.stdout).toContain("USAGE");
      expect(piped.stdout).not.toContain("\u001b");
      expect(piped.stdout.split("\n").filter((line) => /[ \t]$/.test(line))).toEqual([]);
    }
    const forced = await runPatchbay(["job", "--help"], { home, env: { NO_COLOR: "", FORCE_COLOR: "1", CI: "1" } });
    expect(forced.stdout).toContain("\u001b[4m\u001b[1mCOMMANDS\u001b[22m\u001b[24m");
    expect(forced.stdout).toContain("\u001b[36mintegrate\u001b[39m");
    const noColor = await runPatchbay(["job", "--help"], { home, env: { NO_COLOR: "1" } });
    expect(noColor.stdout).not.toContain("\u001b");
  });

  test("config test add refuses shell syntax and changes nothing; add, list and remove confirm in one line (JSON only with --json)", async () => {
    const home = newHome();
    const repo = pipelineRepo(mockToml());
    const file = join(repo, ".ai", "patchbay.toml");
    const before = readFileSync(file, "utf8");
    const refused = await runPatchbay(["config", "test", "add", "npm test && echo hi"], { home, cwd: repo });
    expect(refused.code).toBe(2);
    expectCliError(refused.stderr, 'patchbay: test command "npm test && echo hi": "&" needs a shell, and test commands run without one');
    expect(readFileSync(file, "utf8")).toBe(before);

    const added = await runPatchbay(["config", "test", "add", "npm run lint"], { home, cwd: repo });
    expect(added.code).toBe(0);
    // The file already held a test command nobody trusted here: the line says it runs only after trust.
    expect(added.stdout).toBe(
      "added to the test phase: npm run lint; it runs once you trust the file (.ai/patchbay.toml; `patchbay config show` shows it all)\n",
    );
    const listed = await runPatchbay(["config", "test", "list"], { home, cwd: repo });
    expect(listed.stdout.trimEnd().split("\n").at(-1)).toBe("npm run lint");
    const trusted = await runPatchbay(["config", "trust"], { home, cwd: repo });
    expect(trusted.stdout).toStartWith("trusted .ai/patchbay.toml (");
    expect(trusted.stdout).toContain("\n  test_commands: ");
    expect(trusted.stdout).not.toContain("{");
    const shown = await runPatchbay(["config", "show"], { home, cwd: repo });
    expect(shown.stdout).toContain("\nphases.test.commands: ");
    expect(shown.stdout).not.toContain("{");

    const removed = await runPatchbay(["config", "test", "remove", "npm run lint"], { home, cwd: repo });
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe("removed from the test phase: npm run lint (.ai/patchbay.toml; `patchbay config show` shows it all)\n");
    const json = JSON.parse((await runPatchbay(["config", "test", "list", "--json"], { home, cwd: repo })).stdout) as { commands: string[] };
    expect(json.commands).not.toContain("npm run lint");
    expect(json.commands).toHaveLength(1);

    const absent = await runPatchbay(["config", "test", "remove", "npm run lint"], { home, cwd: repo });
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain("next: `patchbay config test list` shows its commands");
  }, 60_000);
});

describe("refusing where the real thing would", () => {
  test("setup without a terminal and without --host refuses, naming the flags, and registers nowhere", async () => {
    const home = newHome();
    const codexHome = tempDir("patchbay-codex-home-");
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const result = await runPatchbay(["setup"], { home, cwd: repo, env: { CODEX_HOME: codexHome } });
    expect(result.code).toBe(2);
    expect(result.stderr).toStartWith("patchbay: `patchbay setup` asks which host to register in, and needs a terminal for that\n");
    expect(result.stderr).toContain("next: pass --host (codex, claude, claude-desktop, gemini); --tool-mode, --power and --scope");
    expect(existsSync(join(codexHome, "config.toml"))).toBe(false);
  });

  test("mcp install codex --dry-run with a CODEX_HOME that does not exist fails as the install does, and writes nothing", async () => {
    const home = newHome();
    const codexHome = join(tempDir("patchbay-codex-parent-"), "missing");
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const dry = await runPatchbay(["mcp", "install", "codex", "--dry-run"], { home, cwd: repo, env: { CODEX_HOME: codexHome } });
    const real = await runPatchbay(["mcp", "install", "codex"], { home, cwd: repo, env: { CODEX_HOME: codexHome } });
    expect(real.code).toBe(1);
    expect(dry.code).toBe(real.code);
    expect(dry.stderr).toBe(real.stderr);
    expect(dry.stderr).toContain(`${codexHome} does not exist`);
    expect(dry.stdout).toBe("");
    expect(existsSync(codexHome)).toBe(false);
  });
});

test("cleanup reports a finished run's worktree once; a second call reports nothing removed", async () => {
  const home = newHome();
  const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
  expect((await runPatchbay(["config", "trust"], { home, cwd: repo })).code).toBe(0);
  const run = await runPatchbay(["run", "--task", "t", "--auto-approve", "--mock", "--standalone", "--no-apply", "--json"], {
    home,
    cwd: repo,
    timeoutMs: 120_000,
  });
  expect(run.code, run.stderr).toBe(0);
  // A run stopped at "ready" keeps its worktree until it is cancelled (finished) or cleaned one by one.
  const { run_id } = JSON.parse(run.stdout) as { run_id: string };
  expect((await runPatchbay(["cancel", run_id], { home, cwd: repo })).code).toBe(0);
  // A bad --older-than-days stops before anything is removed: the first real call below still finds the worktree.
  expect((await runPatchbay(["cleanup", "--older-than-days", "abc"], { home, cwd: repo })).code).toBe(2);
  const first = JSON.parse((await runPatchbay(["cleanup", "--json"], { home, cwd: repo })).stdout) as { worktrees_removed: string[] };
  expect(first.worktrees_removed).toHaveLength(1);
  expect(existsSync(first.worktrees_removed[0]!)).toBe(false);
  const second = await runPatchbay(["cleanup"], { home, cwd: repo });
  expect(second.code).toBe(0);
  expect(second.stdout).toBe("removed 0 worktree(s), 0 run folder(s)\n");
}, 180_000);

/** Runs `patchbay stdio` with `lines` written one by one, each after the answer to the one before. */
async function stdioAnswers(home: string, args: string[], lines: string[]): Promise<{ answers: unknown[]; stderr: string }> {
  const child = spawn(patchbayBinary(), ["stdio", ...args], { env: patchbayEnv(home), stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const answers: unknown[] = [];
  try {
    for (const line of lines) {
      const seen = answers.length;
      child.stdin.write(`${line}\n`);
      await until(() => out.includes("\n"), "the answer to that line");
      const cut = out.indexOf("\n");
      answers.push(JSON.parse(out.slice(0, cut)));
      out = out.slice(cut + 1);
      expect(answers.length).toBe(seen + 1);
    }
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.once("close", resolve));
  }
  return { answers, stderr };
}

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

describe("stdio", () => {
  for (const args of [["--standalone"], []]) {
    test(`a line that is not JSON is answered with -32700 (id null) and the session goes on (${args.length ? "standalone" : "relay"})`, async () => {
      const home = newHome();
      const { answers, stderr } = await stdioAnswers(home, args, ["this is not json", INITIALIZE]);
      expect(answers[0]).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the line is not valid JSON" } });
      expect(answers[1]).toMatchObject({ jsonrpc: "2.0", id: 1, result: { serverInfo: { name: "patchbay" } } });
      // The relay started a server for it, and said so on stderr (stdout carried only the protocol).
      if (!args.length) expect(stderr).toContain("patchbay: started a background server for");
    }, 60_000);

    test(`blank lines get no answer, a line ended with CRLF is read as the line (${args.length ? "standalone" : "relay"})`, async () => {
      const child = spawn(patchbayBinary(), ["stdio", ...args], { env: patchbayEnv(newHome()), stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stdin.write(`\n   \r\nnot json\r\n\n${INITIALIZE}\r\n`);
      await until(() => out.includes('"serverInfo"'), "the answer to initialize");
      child.stdin.end();
      await new Promise((resolve) => child.once("close", resolve));
      const answers = out
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { id: unknown; error?: { code: number } });
      expect(answers.map((answer) => [answer.id, answer.error?.code ?? "ok"])).toEqual([
        [null, -32700],
        [1, "ok"],
      ]);
    }, 60_000);
  }
});

test("a command that starts a background server says so; start --foreground takes it over with the same state", async () => {
  const home = newHome();
  const first = await runPatchbay(["job", "list"], { home, timeoutMs: 60_000 });
  expect(first.code).toBe(0);
  const background = JSON.parse(readFileSync(serverRecord(home), "utf8")) as { pid: number; background?: boolean };
  expect(background.background).toBe(true);
  expect(first.stderr).toContain(`patchbay: started a background server for ${home} (pid ${background.pid}`);
  expect(first.stderr).toContain("`patchbay start --foreground` takes it over");
  expect(first.stdout).toBe("no jobs yet\n");
  expect(first.stderr.split("\n")).toHaveLength(2); // that line alone
  // A second command finds it running and says nothing about it.
  expect((await runPatchbay(["job", "list"], { home })).stderr).toBe("");

  const foreground = spawn(patchbayBinary(), ["start", "--foreground", "--port", "0"], { env: patchbayEnv(home), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  foreground.stderr.on("data", (chunk) => (log += chunk));
  foreground.stdout.on("data", (chunk) => (log += chunk));
  try {
    await until(() => {
      if (!existsSync(serverRecord(home))) return false;
      const record = JSON.parse(readFileSync(serverRecord(home), "utf8")) as { pid: number; control_port?: number };
      return record.pid === foreground.pid && record.control_port !== undefined;
    }, "the foreground server to own the state");
    expect(log).toContain(`stopping the background server (pid ${background.pid})`);
    expect(processGone(background.pid)).toBe(true);
    const status = await runPatchbay(["status", "--json"], { home });
    expect((JSON.parse(status.stdout) as { pid: number }).pid).toBe(foreground.pid!);
  } finally {
    foreground.kill("SIGTERM");
    await new Promise((resolve) => foreground.once("close", resolve));
  }
}, 90_000);

test("workers: a taken name's hint names `patchbay worker stop --cleanup`; list says stopped workers exist; inspect is prose", async () => {
  const home = newHome();
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const worker = (...args: string[]) => runPatchbay(["worker", ...args, "--repo", repo], { home, timeoutMs: 60_000 });
  expect((await worker("list")).stdout).toBe("No workers yet: start one with `patchbay worker start NAME BRIEF`\n");
  const started = await worker("start", "w", mockPrompt({ message: "all done" }), "--agent", "mock", "--wait");
  expect(started.code, started.stderr).toBe(0);

  const taken = await worker("start", "w", "again", "--agent", "mock");
  expect(taken.code).toBe(1);
  expect(taken.stderr).toContain("or stop it with `patchbay worker stop --cleanup`");
  expect(taken.stderr).not.toMatch(/codex_|cleanup_workspace/);

  // A tool's argument named in its own words is still the command's flag or argument.
  const reason = await worker("stop", "w", "--reason", "tidy");
  expect(reason.code).toBe(2);
  expectCliError(reason.stderr, "patchbay: --reason: given without --takeover, so it would be ignored");
  const both = await worker("integrate", "w", "--all-ready");
  expect(both.code).toBe(2);
  expectCliError(both.stderr, "patchbay: name what to integrate with exactly one of WORKER (one), WORKER,WORKER (a queue) and --all-ready");

  const status = await worker("inspect", "w", "--view", "status");
  expect(status.code).toBe(0);
  expect(status.stdout).not.toContain("{");
  expect(status.stdout).toContain("turn state: succeeded");
  const report = await worker("inspect", "w");
  expect(report.stdout.split("all done")).toHaveLength(2); // the report once
  // A record's flags read as words, and a list of records has no separators left at line ends.
  expect(status.stdout).not.toMatch(/, \n|, $/m);
  const other = makeGitRepo({ "a.txt": "a\n" });
  const elsewhere = (...args: string[]) => runPatchbay(["worker", ...args, "--repo", other], { home, timeoutMs: 60_000 });
  await elsewhere("start", "writer", mockPrompt({ write: { path: "n.txt", content: "n\n" } }), "--agent", "mock", "--wait");
  expect((await elsewhere("inspect", "writer", "--view", "changes")).stdout).toContain("\n  - n.txt added not tracked\n");
  // A refusal names its files once: its message already does.
  await elsewhere("start", "hooker", mockPrompt({ write: { path: ".claude/settings.json", content: "{}\n" } }), "--agent", "mock", "--wait");
  const preview = (await elsewhere("inspect", "hooker", "--view", "integration_preview")).stdout;
  const refusal = preview.split("\n").find((line) => line.startsWith("  - agent_config "))!;
  expect(refusal.split(".claude/settings.json")).toHaveLength(2);

  expect((await worker("stop", "w")).code).toBe(0);
  const listed = await worker("list");
  expect(listed.stdout).toBe("No active workers; 1 stopped (`patchbay worker list --all` shows them)\n");
  expect((await worker("list", "--all")).stdout).toContain("- w (mock, isolated_write): stopped");
  // Workers exist, none running: never "No workers yet".
  expect((await worker("list", "--all", "--active")).stdout).toBe("No running workers; 1 not running (`patchbay worker list --all` shows them)\n");
  // Each list is one call: the count of what it left out comes with the answer, not from listing every stopped worker again.
  expect((await runPatchbay(["stop"], { home })).code).toBe(0); // a clean stop writes every audit line that waits
  const audited = readFileSync(join(home, "logs", "audit.log"), "utf8").match(/"tool":"codex_worker_list"/g) ?? [];
  expect(audited).toHaveLength(4);
}, 120_000);

test("mcp doctor says when the stdio server it probes started a background server", async () => {
  const home = newHome();
  const codexHome = tempDir("patchbay-codex-home-");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const env = { CODEX_HOME: codexHome };
  expect((await runPatchbay(["mcp", "install", "codex"], { home, cwd: repo, env })).code).toBe(0);
  const doctor = await runPatchbay(["mcp", "doctor", "codex"], { home, cwd: repo, env, timeoutMs: 60_000 });
  expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  const record = JSON.parse(readFileSync(serverRecord(home), "utf8")) as { pid: number; background?: boolean };
  expect(record.background).toBe(true);
  expect(doctor.stderr).toContain(`patchbay: started a background server for ${home} (pid ${record.pid}`);
}, 90_000);
