import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { mockToml, pipelineRepo } from "./helpers.ts";

afterAll(() => removeTempDirs());

const entry = join(import.meta.dir, "cli-entry.ts");
// One home for the file: `patchbay config trust` keeps its trust there, as it does for a user.
const home = tempDir("patchbay-cli-home-");
function cli(repo: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [entry, ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, PATCHBAY_HOME: home } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// The source entry cannot start a server: these run the phases in the CLI (server-cli.test.ts runs them on one).
describe("patchbay pipeline CLI --standalone", () => {
  test("run --auto-approve --mock --json drives the loop; exit code is the outcome", () => {
    const repo = pipelineRepo(mockToml(), { PASS_ALWAYS: "" });
    expect(cli(repo, "config", "trust").code).toBe(0);
    const result = cli(repo, "run", "--task", "from the cli", "--auto-approve", "--mock", "--standalone", "--json");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { outcome: string; run_id: string };
    expect(summary.outcome).toBe("applied");
    expect(readFileSync(join(repo, "PATCHBAY_MOCK.md"), "utf8")).toBe("from the cli\n");
    const runs = JSON.parse(cli(repo, "runs", "--json").stdout) as Array<{ run_id: string; state: string }>;
    expect(runs).toEqual([expect.objectContaining({ run_id: summary.run_id, state: "applied" })]);
    const events = JSON.parse(cli(repo, "events", summary.run_id, "--json").stdout) as Array<{ action: string }>;
    expect(events.at(-1)?.action).toBe("apply_granted");
    // One document without --follow; a run that does not exist is an error, not an empty list.
    const unknown = cli(repo, "events", "run_zzzzzzzz_000000", "--json");
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.code).toBe("run_not_found");
    expect(cli(repo, "cleanup", "run_zzzzzzzz_000000").code).toBe(1);
  });

  test("runs lists the newest first, a run whose id was chosen by its creation time like any other", () => {
    const repo = pipelineRepo(mockToml());
    const chosen = cli(repo, "plan", "--task", "first", "--run-id", "run_quickstart_000001", "--mock", "--standalone", "--json");
    expect(chosen.code, chosen.stderr).toBe(0);
    const later = JSON.parse(cli(repo, "plan", "--task", "second", "--mock", "--standalone", "--json").stdout) as { run_id: string };
    const runs = JSON.parse(cli(repo, "runs", "--json").stdout) as Array<{ run_id: string }>;
    expect(runs.map((run) => run.run_id)).toEqual([later.run_id, "run_quickstart_000001"]);
  });

  test("step by step, and write before approve exits non-zero with not_approved", () => {
    const repo = pipelineRepo(mockToml());
    expect(cli(repo, "config", "trust").code).toBe(0);
    const planned = JSON.parse(cli(repo, "plan", "--task", "t", "--standalone", "--json").stdout) as { run_id: string; state: string };
    expect(planned.state).toBe("planned");
    // A run that waits for a person stops changing: following it ends, saying what is next.
    const followed = cli(repo, "events", planned.run_id, "--follow");
    expect(followed.code).toBe(0);
    expect(followed.stderr).toContain(`${planned.run_id} is planned and waits; next: `);
    expect(followed.stdout).toContain("plan");
    const refused = cli(repo, "write", planned.run_id, "--standalone", "--json");
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("not_approved");
    expect(cli(repo, "approve", planned.run_id, "--standalone").code).toBe(0);
  });

  test("config phase set and show", () => {
    const repo = pipelineRepo("");
    expect(
      cli(repo, "config", "provider", "add-cli", "my_agent", "--roles", "plan,review", "--command", "my-agent", "--output-contract", "text", "--json").code,
    ).toBe(0);
    const shown = JSON.parse(cli(repo, "config", "phase", "set", "review", "--provider", "my_agent", "--json").stdout) as {
      phases: Record<string, { provider?: string }>;
    };
    expect(shown.phases.review?.provider).toBe("my_agent");
    // Shown under the file's own keys, so what it says can be written back.
    const whole = JSON.parse(cli(repo, "config", "show", "--json").stdout) as { phases: { test: object }; workflow: object };
    expect(whole.phases.test).toEqual({ commands: [], timeout: 900 });
    expect(whole.workflow).toEqual({
      require_plan_approval: true,
      worktree_root: ".ai/worktrees",
      branch_prefix: "patchbay",
      max_fix_rounds: 2,
      allow_apply_without_tests: false,
    });
    const refused = cli(repo, "config", "phase", "set", "write", "--provider", "my_agent", "--json");
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("provider_role_mismatch");

    // A bad flag value is the flag's fault: named as the flag, and the file is left as it was.
    const before = readFileSync(join(repo, ".ai", "patchbay.toml"), "utf8");
    const bad = cli(repo, "config", "provider", "add-cli", "other", "--roles", "plan", "--command", "x", "--output-contract", "bogus");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toStartWith("patchbay: --output-contract: expected one of text, json, jsonl, diff");
    expect(bad.stderr).toContain("next: fix the flag and run it again (`patchbay config provider add-cli --help`)");
    const unknown = cli(repo, "config", "phase", "set", "plan", "--provider", "nosuch");
    expect(unknown.stderr).toContain("next: fix the flag and run it again (`patchbay config phase set --help`)");
    expect(readFileSync(join(repo, ".ai", "patchbay.toml"), "utf8")).toBe(before);
  });

  test("config without a subcommand is the wizard; without a terminal it refuses and names the subcommands", () => {
    const repo = pipelineRepo(mockToml());
    expect(cli(repo, "config", "trust").code).toBe(0);
    const refused = cli(repo, "config");
    expect(refused.code).toBe(2); // bad input: the flags or subcommands it needs are missing
    expect(refused.stderr).toContain("`patchbay config` is an interactive wizard and needs a terminal");
    expect(refused.stderr).toContain("patchbay config phase set");
    expect(readFileSync(join(repo, ".ai/patchbay.toml"), "utf8")).toBe(mockToml());
    // The subcommands still run on their own.
    expect(JSON.parse(cli(repo, "config", "show", "--json").stdout)).toMatchObject({ file: ".ai/patchbay.toml" });
  });
});
