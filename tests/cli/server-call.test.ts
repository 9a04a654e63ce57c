/**
 * The CLI speaks CLI when a server tool refuses: through the compiled binary, each command family's
 * bad argument is named by its flag and a hint names a command, never the MCP tool or argument.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inCliWords, spokenInCli } from "../../src/cli/server-call.ts";
import { PatchbayError } from "../../src/errors/index.ts";
import { TOOL_COMMANDS } from "../../src/cli/tool-commands.ts";
import { mockPrompt } from "../jobs/support.ts";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

const homes: string[] = [];
afterAll(async () => {
  // Every background server these tests started is stopped.
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

function newHome(): string {
  const home = tempDir("patchbay-cli-call-");
  homes.push(home);
  return home;
}

/** Runs the binary; expects it to fail with `code` and returns its stderr. */
async function refused(home: string, args: string[], code: number, cwd?: string): Promise<string> {
  const result = await runPatchbay(args, { home, cwd, timeoutMs: 60_000 });
  expect(result.code, result.stdout + result.stderr).toBe(code);
  // The first command of a home starts its server and says so in a line of its own (cli-words.test.ts checks it).
  return result.stderr.replace(/^patchbay: started a background server for .*\n/, "");
}

function expectNone(text: string, names: string[]): void {
  for (const name of names) expect(text).not.toContain(name);
}

describe("CLI errors from server tools", () => {
  test("worker: --mode and --file name the flags; a missing worker's hint names `patchbay worker list`", async () => {
    const home = newHome();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const mode = await refused(home, ["worker", "start", "w", "brief", "--mode", "bogus", "--repo", repo], 2);
    expect(mode).toStartWith(`patchbay: --mode: expected one of isolated_write, read_only, shared_write, got "bogus"`);
    expect(mode).toContain("next: fix --mode and run it again");
    expectNone(mode, ["workspace_mode", "codex_worker_start", "call again"]);

    const started = await runPatchbay(["worker", "start", "w", mockPrompt({ message: "done" }), "--agent", "mock", "--wait", "--repo", repo], {
      home,
      timeoutMs: 60_000,
    });
    expect(started.code, started.stderr).toBe(0);
    const file = await refused(home, ["worker", "inspect", "w", "--view", "file", "--repo", repo], 2);
    expect(file).toStartWith("patchbay: --file: required for --view file\n");
    expectNone(file, ["file_path", "view=file"]);

    const missing = await refused(home, ["worker", "inspect", "nope", "--repo", repo], 1);
    expect(missing).toContain("next: list workers with `patchbay worker list`");
    expectNone(missing, ["codex_worker"]);
  }, 90_000);

  test("job run: --agent names the flag; an apply job in a repository without commits points at `patchbay job run`", async () => {
    const home = newHome();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const agent = await refused(home, ["job", "run", "hi", "--agent", "BAD NAME", "--repo", repo], 2);
    expect(agent).toStartWith("patchbay: --agent: Invalid format:");
    expect(agent).toContain("next: fix --agent and run it again");
    expectNone(agent, ["codex_plan_job", "patchbay: agent:"]);

    const empty = tempDir("patchbay-cli-call-empty-");
    await Bun.$`git init -q ${empty}`.quiet();
    const apply = await refused(home, ["job", "run", "hi", "--apply", "--agent", "mock", "--repo", empty], 1);
    expect(apply).toContain("next: commit once in the repository, or use `patchbay job run` for a read-only job");
    expectNone(apply, ["codex_plan_job", "codex_apply_job"]);
  }, 90_000);

  test("msg: --thread names the flag; the unread refusal points at `patchbay msg inbox` and `patchbay msg wait`", async () => {
    const home = newHome();
    for (const agent of ["alice", "bob"]) expect((await runPatchbay(["token", "add", "--namespace", "team", agent, "--json"], { home })).code).toBe(0);
    const thread = await refused(home, ["msg", "send", "bob", "hi", "--thread", "x".repeat(70), "--as", "alice@team"], 2);
    expect(thread).toStartWith("patchbay: --thread: Invalid length:");
    expectNone(thread, ["send_message", "patchbay: thread:"]);

    const sent = await runPatchbay(["msg", "send", "alice", "hello", "--as", "bob@team"], { home, timeoutMs: 60_000 });
    expect(sent.code, sent.stderr).toBe(0);
    const unread = await refused(home, ["msg", "send", "bob", "not reading", "--as", "alice@team"], 1);
    expect(unread).toContain("next: run `patchbay msg inbox` or `patchbay msg wait` to read them, then send again");
    expectNone(unread, ["wait_for_message", "call inbox"]);
  }, 90_000);

  test("pipeline: --task names the flag; a missing run's hint names `patchbay runs` once", async () => {
    const home = newHome();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const task = await refused(home, ["plan", "--task", "  ", "--repo", repo], 2);
    expect(task).toStartWith("patchbay: --task: expected the change to make, got nothing");
    expectNone(task, ["patchbay_plan", "patchbay: task:"]);

    const runId = await refused(home, ["write", "bad..id", "--repo", repo], 2);
    expect(runId).toStartWith("patchbay: RUN_ID: ");
    expectNone(runId, ["run_id", "patchbay_write"]);

    const missing = await refused(home, ["write", "run_lzq1x5c8a_1f3e9b", "--repo", repo], 1);
    expect(missing).toContain("next: list runs with `patchbay runs`\n");
    expectNone(missing, ["patchbay_runs"]);
  }, 90_000);
});

test("every tool the CLI speaks for is served, and each argument it spells is one of the tool's", async () => {
  const home = tempDir("patchbay-cli-call-");
  writeFileSync(join(home, "config.toml"), '[app]\ntool_mode = "full"\n');
  // Full bash mode: the exec tools (`patchbay config test add`'s) are served only with it.
  const client = await connectStdio("v1", { home, args: ["--standalone", "--bash-mode", "full", "--root", makeGitRepo({ "a.txt": "a\n" })] });
  try {
    const served = new Map((await client.listTools()).map((tool) => [tool.name, Object.keys((tool.inputSchema as { properties?: object }).properties ?? {})]));
    for (const [tool, { flags }] of Object.entries(TOOL_COMMANDS)) {
      if (tool.startsWith("codex_git_")) continue; // spoken as git's own commands, not patchbay's
      expect(served.has(tool), tool).toBe(true);
      expect(
        Object.keys(flags).filter((argument) => !served.get(tool)?.includes(argument)),
        tool,
      ).toEqual([]);
    }
  } finally {
    await client.close();
  }
}, 60_000);

describe("inCliWords", () => {
  test("an in-process error's tools become commands, and a tool without a CLI spelling named in passing is left out", () => {
    const error = spokenInCli(
      new PatchbayError("agent_failed", "mock failed", { next: "read logs/plan.log of the run (patchbay_artifact), fix the cause, and see patchbay_status" }),
    );
    expect(error.next).toBe("read logs/plan.log of the run, fix the cause, and see `patchbay pipeline status`");
    expect(error.code).toBe("agent_failed");
  });

  test("a hint's tool with its arguments becomes the command line", () => {
    const error = inCliWords("codex_worker_message", {
      code: "worker_busy",
      message: "worker w is still running a turn",
      next: "wait for it (codex_worker_inspect view=status wait_seconds=30), or stop it with codex_worker_stop",
    });
    expect(error.next).toBe("wait for it (`patchbay worker inspect --view status --wait 30`), or stop it with `patchbay worker stop`");
    expect(error.code).toBe("worker_busy");
  });

  test("every issue of a validation error names its flag; a boolean setting is the bare flag", () => {
    const error = inCliWords("codex_worker_start", {
      code: "invalid_arguments",
      message: "codex_worker_start: context_from_workers.0: Invalid length; workspace_mode: Invalid type",
      next: "fix the named argument and call again",
    });
    expect(error.message).toBe("--context: Invalid length; --mode: Invalid type");
    expect(error.next).toBe("fix --context and --mode and run it again");
    expect(inCliWords("codex_worker_integrate", { code: "dirty_base", message: "the checkout has changes", next: "pass allow_dirty_base=true" }).next).toBe(
      "pass --allow-dirty-base",
    );
  });

  test("a boolean set to false is its --no- flag, and the test gate's hint names commands, for worker and job integrate", () => {
    // The test gate's own hint (src/workers/test-gate.ts), as the server sends it.
    const next =
      "add the commands (patchbay_config_test_add, or edit .ai/patchbay.toml and trust it with `patchbay config trust`), or integrate with run_tests=false";
    const spoken =
      "add the commands (`patchbay config test add`, or edit .ai/patchbay.toml and trust it with `patchbay config trust`), or integrate with --no-run-tests";
    for (const tool of ["codex_worker_integrate", "codex_job_integrate"]) {
      // `--run-tests false` would set the flag and pass `false` on as a positional (a worker's name).
      expect(inCliWords(tool, { code: "no_test_commands", message: "no test commands", next }).next, tool).toBe(spoken);
    }
  });

  test("a plain word that is also a tool's name stays a word; unknown tools keep the server's text", () => {
    const error = inCliWords("send_message", { code: "x", message: "alice@team has mail in the inbox", next: "list them with codex_worker_inbox action=list" });
    expect(error.message).toBe("alice@team has mail in the inbox");
    expect(error.next).toBe("list them with codex_worker_inbox action=list");
  });
});
