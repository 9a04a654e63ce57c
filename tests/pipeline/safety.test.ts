import { afterAll, describe, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { checkPatch } from "../../src/pipeline/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(() => removeTempDirs());

const modify = (path: string, body = "@@ -1 +1 @@\n-a\n+b\n") => `diff --git a/${path} b/${path}\nindex 1..2 100644\n--- a/${path}\n+++ b/${path}\n${body}`;
const rules = (diff: string, repo?: string) => checkPatch(diff, repo).violations.map((violation) => violation.rule);

describe("patch safety", () => {
  test("a plain change inside the repository passes", () => {
    expect(checkPatch(modify("src/app.ts"))).toMatchObject({ ok: true, paths: ["src/app.ts"] });
  });
  test("each rule rejects its case", () => {
    expect(rules("")).toEqual(["empty_patch"]);
    expect(rules("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")).toEqual(["not_git_framed"]);
    expect(rules("diff --git a/../x b/../x\n--- a/../x\n+++ b/../x\n")).toContain("path_traversal");
    expect(rules(modify(".git/config"))).toContain("git_dir");
    expect(rules(modify("sub/.GIT/hooks/pre-commit"))).toContain("git_dir");
    expect(rules(modify(".env"))).toContain("env_file");
    expect(rules(modify("app/.env.production"))).toContain("env_file");
    expect(rules(modify("config/private_key.pem"))).toContain("secret_path");
    expect(rules(modify("deploy/credentials.json"))).toContain("secret_path");
    expect(rules(modify("certs/server.key"))).toContain("secret_path");
    expect(rules("diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/etc\n")).toContain("symlink");
  });
  test("absolute paths in +++ headers are rejected", () => {
    expect(rules("diff --git a/x b/x\n--- a/x\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n")).toContain("absolute_path");
  });
  test("a quoted octal path and a rename to .env are seen", () => {
    expect(rules('diff --git "a/foo\\057.env" "b/foo\\057.env"\n--- "a/foo\\057.env"\n+++ "b/foo\\057.env"\n')).toContain("env_file");
    expect(rules("diff --git a/ok.txt b/.env\nsimilarity index 100%\nrename from ok.txt\nrename to .env\n")).toContain("env_file");
  });
  test("hunk bodies that look like headers are not paths", () => {
    const diff = modify("README.md", "@@ -1,2 +1,2 @@\n-a\n+--- a/.env\n+diff --git a/.git/config b/.git/config\n");
    expect(checkPatch(diff)).toMatchObject({ ok: true, paths: ["README.md"] });
  });
  test("a path through a symlinked directory that leaves the repository is outside_repository", () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    symlinkSync(tempDir("patchbay-outside-"), join(repo, "escape"));
    expect(rules(modify("escape/file.txt"), repo)).toEqual(["outside_repository"]);
  });
  test("binary changes are flagged, not rejected", () => {
    const report = checkPatch(
      "diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..1111111\nGIT binary patch\nliteral 3\nKcmZ?wd\n\nliteral 0\nKcmV+b0RR6000031\n\n",
    );
    expect(report).toMatchObject({ ok: true, binary: ["img.png"] });
  });
});
