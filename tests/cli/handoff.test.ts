/**
 * `patchbay handoff execute|watch` and `patchbay context bundle|apply`, run as a real process
 * (the subcommands through the real CLI runner) on real git repositories, no server.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import type { RunResult } from "../support/process.ts";

afterAll(removeTempDirs);

const KEY = `sk-proj-${"m4N5b6V7c8".repeat(4)}`;

function patchbay(args: string[], home = tempDir()): Promise<RunResult> {
  return runPatchbay(args, { home, timeoutMs: 30_000 });
}

const makeRepo = (files: Record<string, string> = { "AGENTS.md": "# House rules\nAlways run the tests.\n", "src/app.ts": "export const a = 1;\n" }) =>
  makeGitRepo(files, { prefix: "patchbay-cli-handoff-" });

/** A stand-in agent outside the repository: edits a file, writes one from the plan, exits with $2. */
function fakeAgent(): string {
  const script = join(tempDir("patchbay-agent-"), "agent.sh");
  writeFileSync(script, 'echo "agent read $1"\necho "export const b = 2;" >> src/app.ts\nhead -n 1 "$1" > notes.md\nexit "${2:-0}"\n');
  return script;
}

async function planIn(root: string, plan = "Add b to the app\n"): Promise<void> {
  const file = join(tempDir(), "plan.md");
  writeFileSync(file, plan);
  const applied = await patchbay(["context", "apply", "--root", root, "--file", file, "--agent", "custom"]);
  expect(applied.code).toBe(0);
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("patchbay handoff execute", () => {
  test("--yes runs the template on the plan and records the status and the diff", async () => {
    const root = makeRepo();
    const base = git(root, "rev-parse", "HEAD");
    await planIn(root);
    const agent = fakeAgent();
    const result = await patchbay([
      "handoff",
      "execute",
      "--root",
      root,
      "--agent",
      "fake",
      "--command-template",
      `bash ${agent} {{plan_file}}`,
      "--yes",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const planFile = join(root, ".ai-bridge/current-plan.md");
    expect(report).toMatchObject({
      agent: "fake",
      command: ["bash", agent, planFile],
      exit_code: 0,
      signal: null,
      status_file: ".ai-bridge/handoff-status.json",
      diff_file: ".ai-bridge/handoff-diff.patch",
    });
    expect(report.files).toEqual([
      { path: "src/app.ts", status: "M" },
      { path: "notes.md", status: "untracked" },
    ]);
    expect(result.stderr).toContain(`agent read ${planFile}`);
    const status = readJson(join(root, ".ai-bridge/handoff-status.json"));
    expect(status).toMatchObject({
      base_head: base,
      agent: "custom",
      run: { agent: "fake", command: ["bash", agent, planFile], exit_code: 0, diff_file: ".ai-bridge/handoff-diff.patch", changed_files: 2 },
    });
    expect(Date.parse(status.run.finished_at)).toBeGreaterThanOrEqual(Date.parse(status.run.started_at));
    const patch = readFileSync(join(root, ".ai-bridge/handoff-diff.patch"), "utf8");
    expect(patch).toContain(" export const a = 1;\n+export const b = 2;\n");
    expect(patch).toContain("+++ b/notes.md\n@@ -0,0 +1 @@\n+# Handoff plan\n");
  });

  test("a failing agent is recorded with its exit code and the command exits 1", async () => {
    const root = makeRepo();
    await planIn(root);
    const result = await patchbay([
      "handoff",
      "execute",
      "--root",
      root,
      "--agent",
      "fake",
      "--command-template",
      `bash ${fakeAgent()} {{plan_file}} 3`,
      "--yes",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("fake exited 3; 2 file(s) differ from the commit the plan was written on");
    expect(readJson(join(root, ".ai-bridge/handoff-status.json")).run.exit_code).toBe(3);
  });

  test("without --yes and without a terminal it refuses, says how to proceed, and runs nothing", async () => {
    const root = makeRepo();
    await planIn(root);
    const result = await patchbay(["handoff", "execute", "--root", root, "--agent", "fake", "--command-template", `bash ${fakeAgent()} {{plan_file}}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot ask: stdin is not a terminal");
    expect(result.stderr).toContain("next: pass --yes to run it without asking");
    expect(existsSync(join(root, "notes.md"))).toBe(false);
    expect(readJson(join(root, ".ai-bridge/handoff-status.json")).run).toBeUndefined();
  });

  test("without a plan it fails with handoff_no_plan", async () => {
    const result = await patchbay(["handoff", "execute", "--root", makeRepo(), "--agent", "fake", "--command-template", "true", "--yes", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe("handoff_no_plan");
  });

  test("an unknown placeholder in the template is a usage error", async () => {
    const root = makeRepo();
    await planIn(root);
    const result = await patchbay(["handoff", "execute", "--root", root, "--agent", "fake", "--command-template", "agent {{plan}}", "--yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the command template uses {{plan}}; it knows {{plan_file}} and {{root}}");
  });

  test("a --root that does not exist is refused", async () => {
    const result = await patchbay([
      "handoff",
      "execute",
      "--root",
      join(tempDir(), "missing"),
      "--agent",
      "fake",
      "--command-template",
      "true",
      "--yes",
      "--json",
    ]);
    expect(JSON.parse(result.stdout).error.code).toBe("not_found");
  });
});

describe("patchbay handoff watch", () => {
  test("--once runs a plan that was not run yet, then exits", async () => {
    const root = makeRepo();
    await planIn(root);
    const result = await patchbay([
      "handoff",
      "watch",
      "--root",
      root,
      "--agent",
      "fake",
      "--command-template",
      `bash ${fakeAgent()} {{plan_file}}`,
      "--once",
      "--yes",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).exit_code).toBe(0);
    expect(readFileSync(join(root, "notes.md"), "utf8")).toBe("# Handoff plan\n");
  });
});

describe("patchbay context", () => {
  test("bundle prints AGENTS.md and the chosen files, with secrets masked", async () => {
    const root = makeRepo({ "AGENTS.md": "# House rules\nAlways run the tests.\n", "src/app.ts": `export const key = "${KEY}";\n` });
    const result = await patchbay(["context", "bundle", "--root", root, "--path", "src/app.ts"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("# House rules\nAlways run the tests.\n");
    expect(result.stdout).toContain("### src/app.ts");
    expect(result.stdout).toContain('export const key = "[redacted]";');
    expect(result.stdout).not.toContain(KEY);
  });

  test("bundle --json names the files it skipped", async () => {
    const root = makeRepo();
    const result = await patchbay(["context", "bundle", "--root", root, "--path", ".env", "--path", "../outside.txt", "--json"]);
    const body = JSON.parse(result.stdout);
    expect(body.markdown).toContain("# House rules");
    expect(body.skipped.map((file: { code: string }) => file.code)).toEqual(["path_blocked", "path_outside_roots"]);
  });

  test("apply writes the plan as .ai-bridge/current-plan.md and prints the command that runs it", async () => {
    const root = makeRepo();
    const file = join(tempDir(), "plan.md");
    writeFileSync(file, "1. Do it\n");
    const result = await patchbay(["context", "apply", "--root", root, "--file", file, "--agent", "codex", "--json"]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({ plan_file: ".ai-bridge/current-plan.md", base_head: git(root, "rev-parse", "HEAD") });
    expect(body.next).toBe(
      `patchbay handoff execute --root ${JSON.stringify(root)} --agent codex --command-template 'codex exec --sandbox workspace-write "Read {{plan_file}} and carry out the plan"'`,
    );
    expect(readFileSync(join(root, ".ai-bridge/current-plan.md"), "utf8")).toEndWith(
      "by cli\n- base commit: " + git(root, "rev-parse", "HEAD") + "\n\n1. Do it\n",
    );
  });

  test("apply refuses a plan with a secret and writes nothing", async () => {
    const root = makeRepo();
    const file = join(tempDir(), "plan.md");
    writeFileSync(file, `use ${KEY}\n`);
    const result = await patchbay(["context", "apply", "--root", root, "--file", file, "--agent", "codex", "--json"]);
    expect(JSON.parse(result.stdout).error.code).toBe("secret_content_refused");
    expect(existsSync(join(root, ".ai-bridge"))).toBe(false);
  });
});
