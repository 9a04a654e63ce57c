/**
 * codex_write_file and codex_edit_file on real git repositories: gated by power_tools.direct_write,
 * exact-match edits, diffs, the path guard (nothing written on refusal) and the repository lock.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { withRepoLock } from "../../src/workspace/repo-lock.ts";
import { POWER_TOOLS } from "../../src/workspace/tools/power.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const makeRepo = (files: Record<string, string> = { "src/app.ts": "const a = 1;\nconst b = 1;\n" }) => makeGitRepo(files, { prefix: "patchbay-power-" });

const { open: harnessFor, closeAll } = harnessSet(POWER_TOOLS, { power: { directWrite: true }, mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

const read = (root: string, path: string) => readFileSync(join(root, path), "utf8");
type Change = { path: string; created?: boolean; replacements?: number; diff: string };

describe("the power_tools.direct_write gate", () => {
  test("when off, write and edit are hidden from tools/list and a call is refused naming the setting", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root, { power: {} });
    expect(
      createToolRegistry(POWER_TOOLS)
        .list(tools.session)
        .map((tool) => tool.name),
    ).toEqual([]);
    const refused = await tools.call("codex_write_file", { file_path: "x.txt", content: "x" });
    expect(refused.isError).toBe(true);
    expect((refused.content[0] as { text: string }).text).toContain("codex_write_file is turned off by the setting power_tools.direct_write");
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/app.ts", old_text: "a", new_text: "b" })).toBe("tool_disabled");
    expect(existsSync(join(root, "x.txt"))).toBe(false);
  });

  test("when on, write and edit are listed with their full-mode aliases", async () => {
    const tools = await harnessFor(makeRepo(), { mode: "full" });
    expect(
      createToolRegistry(POWER_TOOLS)
        .list(tools.session)
        .map((tool) => tool.name),
    ).toEqual(["codex_edit_file", "codex_write_file", "edit", "write"]);
  });
});

describe("codex_write_file", () => {
  test("creates a file, and its directories with create_dirs, returning a diff from /dev/null", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    const result = await tools.ok<Change>("codex_write_file", { file_path: "docs/new/readme.md", content: "hello\n", create_dirs: true });
    expect(result).toMatchObject({ path: "docs/new/readme.md", created: true, bytes: 6 });
    expect(result.diff).toBe("diff --git a/docs/new/readme.md b/docs/new/readme.md\n--- /dev/null\n+++ b/docs/new/readme.md\n@@ -0,0 +1 @@\n+hello\n");
    expect(read(root, "docs/new/readme.md")).toBe("hello\n");
  });

  test("a missing directory without create_dirs is refused", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_write_file", { file_path: "nope/x.txt", content: "x" })).toBe("not_found");
    expect(existsSync(join(root, "nope"))).toBe(false);
  });

  test("an existing file is refused without overwrite, and replaced with it", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_write_file", { file_path: "src/app.ts", content: "replaced\n" })).toBe("file_exists");
    expect(read(root, "src/app.ts")).toBe("const a = 1;\nconst b = 1;\n");
    const result = await tools.ok<Change>("codex_write_file", { file_path: "src/app.ts", content: "const a = 1;\nconst b = 2;\n", overwrite: true });
    expect(result.created).toBe(false);
    expect(result.diff).toBe(
      "diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n@@ -1,2 +1,2 @@\n const a = 1;\n-const b = 1;\n+const b = 2;\n",
    );
  });

  test("secret-looking content is refused and nothing is written", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    const content = `OPENAI_API_KEY=sk-proj-${"Zx9".repeat(14)}\n`;
    expect(await tools.errorCode("codex_write_file", { file_path: "config.txt", content })).toBe("secret_content_refused");
    expect(existsSync(join(root, "config.txt"))).toBe(false);
  });

  test("blocked paths are refused and nothing is written", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    for (const file_path of [".env", "config/.env.local", "certs/server.pem", ".git/hooks/pre-commit"]) {
      expect(await tools.errorCode("codex_write_file", { file_path, content: "x", create_dirs: true })).toBe("path_blocked");
    }
    expect(existsSync(join(root, ".env"))).toBe(false);
    expect(existsSync(join(root, "config"))).toBe(false);
    expect(existsSync(join(root, ".git/hooks/pre-commit"))).toBe(false);
  });

  test("a write through a symlinked directory pointing outside is refused and nothing is written", async () => {
    const root = makeRepo();
    const outside = tempDir("patchbay-outside-");
    symlinkSync(outside, join(root, "link"));
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_write_file", { file_path: "link/evil.txt", content: "x" })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_write_file", { file_path: "link/deeper/evil.txt", content: "x", create_dirs: true })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_write_file", { file_path: "../escape.txt", content: "x" })).toBe("path_outside_roots");
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(dirname(root), "escape.txt"))).toBe(false);
  });

  test("the CodexPro alias write takes root and path", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root, { mode: "full" });
    await tools.ok("write", { root, path: "alias.txt", content: "via alias\n" });
    expect(read(root, "alias.txt")).toBe("via alias\n");
  });
});

describe("codex_edit_file", () => {
  test("replaces a unique match and returns the diff", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    const result = await tools.ok<Change>("codex_edit_file", { file_path: "src/app.ts", old_text: "const a = 1;", new_text: "const a = 42;" });
    expect(result.replacements).toBe(1);
    expect(result.diff).toBe(
      "diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n@@ -1,2 +1,2 @@\n-const a = 1;\n+const a = 42;\n const b = 1;\n",
    );
    expect(read(root, "src/app.ts")).toBe("const a = 42;\nconst b = 1;\n");
  });

  test("missing old_text fails with edit_no_match and leaves the file alone", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/app.ts", old_text: "const c", new_text: "x" })).toBe("edit_no_match");
    expect(read(root, "src/app.ts")).toBe("const a = 1;\nconst b = 1;\n");
  });

  test("an ambiguous old_text fails with edit_not_unique unless replace_all or the exact expected_replacements", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/app.ts", old_text: "= 1;", new_text: "= 2;" })).toBe("edit_not_unique");
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/app.ts", old_text: "= 1;", new_text: "= 2;", expected_replacements: 3 })).toBe(
      "edit_not_unique",
    );
    expect(read(root, "src/app.ts")).toBe("const a = 1;\nconst b = 1;\n");
    expect(
      (await tools.ok<Change>("codex_edit_file", { file_path: "src/app.ts", old_text: "= 1;", new_text: "= 2;", expected_replacements: 2 })).replacements,
    ).toBe(2);
    expect(read(root, "src/app.ts")).toBe("const a = 2;\nconst b = 2;\n");
    expect((await tools.ok<Change>("codex_edit_file", { file_path: "src/app.ts", old_text: "const", new_text: "let", replace_all: true })).replacements).toBe(
      2,
    );
    expect(read(root, "src/app.ts")).toBe("let a = 2;\nlet b = 2;\n");
  });

  test("an empty old_text is an invalid argument", async () => {
    const tools = await harnessFor(makeRepo());
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/app.ts", old_text: "", new_text: "x" })).toBe("invalid_arguments");
  });

  test("new_text with a secret is refused; a missing file is not_found", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    const new_text = `const key = "ghp_${"a".repeat(36)}";`;
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/app.ts", old_text: "const a = 1;", new_text })).toBe("secret_content_refused");
    expect(await tools.errorCode("codex_edit_file", { file_path: "src/none.ts", old_text: "a", new_text: "b" })).toBe("not_found");
  });

  test("an executable file stays executable after an edit", async () => {
    const root = makeRepo({ "run.sh": "#!/bin/sh\necho old\n" });
    chmodSync(join(root, "run.sh"), 0o755);
    const tools = await harnessFor(root);
    await tools.ok("codex_edit_file", { file_path: "run.sh", old_text: "old", new_text: "new" });
    expect(statSync(join(root, "run.sh")).mode & 0o777).toBe(0o755);
  });
});

describe("the repository lock", () => {
  test("two concurrent writes to one repository: exactly one gets repo_busy", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    const results = await Promise.all(["one.txt", "two.txt"].map((file_path) => tools.call("codex_write_file", { file_path, content: "x\n" })));
    const codes = results.map((result) => (result.isError ? (result._meta?.["patchbay/error"] as { code: string }).code : "ok")).sort();
    expect(codes).toEqual(["ok", "repo_busy"]);
    expect(["one.txt", "two.txt"].filter((file) => existsSync(join(root, file)))).toHaveLength(1);
  });

  test("a write while another mutation holds the lock fails at once and writes nothing", async () => {
    const root = makeRepo();
    const tools = await harnessFor(root);
    let release!: () => void;
    let entered!: () => void;
    const holding = new Promise<void>((done) => (entered = done));
    const held = withRepoLock(tools.host.home, realpathSync(root), { client_ref: "client_other", tool: "codex_run_command" }, () => {
      entered();
      return new Promise<void>((done) => (release = done));
    });
    await holding;
    const refused = await tools.call("codex_edit_file", { file_path: "src/app.ts", old_text: "const a", new_text: "let a" });
    release();
    await held;
    expect((refused._meta?.["patchbay/error"] as { code: string; message: string }).message).toContain("client_other is running codex_run_command");
    expect(read(root, "src/app.ts")).toBe("const a = 1;\nconst b = 1;\n");
  });
});
