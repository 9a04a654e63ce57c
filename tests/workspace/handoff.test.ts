/**
 * The handoff tools on real git repositories: writes land only in .ai-bridge/, names are flat,
 * secrets are refused, and status and diff read back what happened since the plan was written.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { HANDOFF_TOOLS } from "../../src/workspace/tools/handoff.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const SECRET = `sk-proj-${"a1B2c3D4e5".repeat(4)}`;

const makeRepo = (files: Record<string, string> = { "AGENTS.md": "# Rules\nRun the tests.\n", "src/app.ts": "export const a = 1;\n" }) =>
  makeGitRepo(files, { prefix: "patchbay-handoff-" });

const { open: harnessFor, closeAll } = harnessSet(HANDOFF_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

describe("codex_write_handoff", () => {
  test("writes .ai-bridge/current-plan.md with a header and records HEAD; nothing else changes", async () => {
    const root = makeRepo();
    const head = git(root, "rev-parse", "HEAD");
    const tools = await harnessFor(root);
    const result = await tools.ok("codex_write_handoff", { plan: "1. Add a test\n2. Run it", title: "Tests", agent: "codex", model: "gpt-5" });
    expect(result).toMatchObject({ plan_file: ".ai-bridge/current-plan.md", status_file: ".ai-bridge/handoff-status.json", base_head: head, appended: false });
    const plan = readFileSync(join(root, ".ai-bridge/current-plan.md"), "utf8");
    expect(plan).toStartWith("# Tests\n\n- agent: codex\n- model: gpt-5\n- written: ");
    expect(plan).toContain(`by ${tools.session.clientRef}\n- base commit: ${head}\n\n1. Add a test\n2. Run it\n`);
    expect(JSON.parse(readFileSync(join(root, ".ai-bridge/handoff-status.json"), "utf8"))).toMatchObject({
      title: "Tests",
      agent: "codex",
      model: "gpt-5",
      base_head: head,
      written_by: tools.session.clientRef,
    });
    expect(git(root, "status", "--porcelain")).toBe("?? .ai-bridge/");
  });

  test("append adds an update below the plan and keeps the original base commit", async () => {
    const root = makeRepo();
    const head = git(root, "rev-parse", "HEAD");
    const tools = await harnessFor(root);
    await tools.ok("codex_write_handoff", { plan: "first step" });
    writeFiles(root, { "later.txt": "x" });
    git(root, "add", "later.txt");
    git(root, "commit", "-q", "-m", "later");
    const result = await tools.ok("codex_write_handoff", { plan: "second step", title: "More", append: true });
    expect(result).toMatchObject({ appended: true, base_head: head });
    const plan = readFileSync(join(root, ".ai-bridge/current-plan.md"), "utf8");
    expect(plan).toContain("first step\n\n---\n\n## Update: More (");
    expect(plan).toEndWith("second step\n");
  });

  test("a plan with a secret-looking value is refused and nothing is written", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_write_handoff", { plan: `use the key ${SECRET}` })).toBe("secret_content_refused");
    expect(existsSync(join(root, ".ai-bridge"))).toBe(false);
  });

  test("a .ai-bridge symlinked outside the repository is refused and nothing is written outside", async () => {
    const root = makeRepo();
    const outside = tempDir("patchbay-outside-");
    symlinkSync(outside, join(root, ".ai-bridge"));
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_write_handoff", { plan: "step" })).toBe("path_outside_roots");
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a .ai-bridge symlinked to another directory inside the repository is refused", async () => {
    const root = makeRepo();
    symlinkSync(join(root, "src"), join(root, ".ai-bridge"));
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_write_handoff", { plan: "step" })).toBe("path_invalid");
    expect(readdirSync(join(root, "src"))).toEqual(["app.ts"]);
  });

  test("the CodexPro aliases map onto it in full mode: handoff_to_codex names the agent codex", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root, { mode: "full" });
    await tools.ok("handoff_to_codex", { root, plan: "step", title: "Via alias" });
    expect(JSON.parse(readFileSync(join(root, ".ai-bridge/handoff-status.json"), "utf8"))).toMatchObject({ agent: "codex", title: "Via alias" });
    const read = await tools.ok<{ has_plan: boolean }>("read_handoff", { root });
    expect(read.has_plan).toBe(true);
  });
});

describe("codex_export_context", () => {
  test("writes .ai-bridge/context-<name>.md with AGENTS.md and the selected files", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root, { mode: "standard" });
    const result = await tools.ok<{ file: string; skipped: string[] }>("codex_export_context", { name: "review", selected_paths: ["src/app.ts"] });
    expect(result.file).toBe(".ai-bridge/context-review.md");
    const pack = readFileSync(join(root, ".ai-bridge/context-review.md"), "utf8");
    expect(pack).toContain("# Rules\nRun the tests.\n");
    expect(pack).toContain("### src/app.ts");
    expect(pack).toContain("export const a = 1;");
    expect(readdirSync(join(root, ".ai-bridge"))).toEqual(["context-review.md"]);
  });

  test("nested names and .. are refused before anything is written", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    for (const name of ["a/b", "../escape", "..", ".hidden", "x/../../y"]) {
      expect(await tools.errorCode("codex_export_context", { name })).toBe("invalid_bridge_name");
    }
    expect(existsSync(join(root, ".ai-bridge"))).toBe(false);
  });

  test("a pack that would carry a secret from a selected file is refused", async () => {
    const root = makeRepo({ "AGENTS.md": "rules\n", "notes.txt": `token ${SECRET}\n` });
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_export_context", { name: "leak", selected_paths: ["notes.txt"] })).toBe("secret_content_refused");
    expect(existsSync(join(root, ".ai-bridge/context-leak.md"))).toBe(false);
  });

  test("is not offered in worker mode", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root, { mode: "worker" });
    expect(await tools.errorCode("codex_export_context", { name: "x" })).toBe("tool_not_in_mode");
  });
});

describe("codex_get_handoff_status", () => {
  test("without a plan: has_plan false; create_if_missing creates .ai-bridge/handoff-status.json", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    expect(await tools.ok("codex_get_handoff_status")).toMatchObject({ has_plan: false, created: false, plan: null, status: null, files: [] });
    expect(existsSync(join(root, ".ai-bridge"))).toBe(false);
    const created = await tools.ok<{ created: boolean; files: Array<{ name: string }> }>("codex_get_handoff_status", { create_if_missing: true });
    expect(created.created).toBe(true);
    expect(created.files.map((file) => file.name)).toEqual(["handoff-status.json"]);
  });

  test("with a plan: returns its text, who wrote it and the base commit", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    await tools.ok("codex_write_handoff", { plan: "do the thing", agent: "claude" });
    const status = await tools.ok<{ has_plan: boolean; plan: string; status: Record<string, unknown> }>("codex_get_handoff_status");
    expect(status.has_plan).toBe(true);
    expect(status.plan).toContain("do the thing");
    expect(status.status).toMatchObject({ plan_file: ".ai-bridge/current-plan.md", agent: "claude", base_head: git(root, "rev-parse", "HEAD") });
  });
});

describe("codex_get_handoff_diff", () => {
  test("shows commits, edits and new files since the plan, without .ai-bridge or blocked files", async () => {
    const root = makeRepo();
    const base = git(root, "rev-parse", "HEAD");
    const tools = await harnessFor(root);
    await tools.ok("codex_write_handoff", { plan: "change app" });
    writeFiles(root, { "src/app.ts": "export const a = 2;\n", "committed.txt": "c\n" });
    git(root, "add", "committed.txt");
    git(root, "commit", "-q", "-m", "agent commit");
    writeFiles(root, { "src/new.ts": "export const b = 1;\n", ".env": "SECRET=1\n" });
    const diff = await tools.ok<{ base_head: string; head: string; files: Array<{ path: string; status: string }>; diff: string; truncated: boolean }>(
      "codex_get_handoff_diff",
    );
    expect(diff.base_head).toBe(base);
    expect(diff.head).toBe(git(root, "rev-parse", "HEAD"));
    expect(diff.files).toEqual([
      { path: "committed.txt", status: "A" },
      { path: "src/app.ts", status: "M" },
      { path: "src/new.ts", status: "untracked" },
    ]);
    expect(diff.diff).toContain("-export const a = 1;\n+export const a = 2;");
    expect(diff.diff).toContain("+++ b/src/new.ts");
    expect(diff.diff).not.toContain(".env");
    expect(diff.diff).not.toContain(".ai-bridge");
    expect(diff.truncated).toBe(false);
  });

  test("max_bytes bounds the diff and says so", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    await tools.ok("codex_write_handoff", { plan: "grow" });
    writeFiles(root, { "src/app.ts": "line\n".repeat(5_000) });
    const diff = await tools.ok<{ diff: string; truncated: boolean }>("codex_get_handoff_diff", { max_bytes: 1_000 });
    expect(diff.truncated).toBe(true);
    expect(diff.diff.length).toBeLessThanOrEqual(1_000);
  });
});
