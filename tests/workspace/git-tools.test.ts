/**
 * codex_git_status, codex_git_diff and codex_show_changes on real repositories made by the tests
 * with the git CLI, called through the real registry.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { GitDiff, GitStatus } from "../../src/workspace/git-views.ts";
import { GIT_TOOLS } from "../../src/workspace/tools/git.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(GIT_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

describe("codex_git_status", () => {
  test("reports the branch and the staged, unstaged and untracked files", async () => {
    const root = makeGitRepo({ "a.txt": "a\n", "b.txt": "b\n", "gone.txt": "x\n" });
    writeFiles(root, { "a.txt": "a2\n", "b.txt": "b2\n", "new.txt": "n\n" });
    git(root, "add", "a.txt");
    git(root, "rm", "-q", "gone.txt");
    const status = await (await harnessFor(root)).ok<GitStatus>("codex_git_status");
    expect(status.branch).toBe("main");
    expect(status.staged).toEqual([
      { path: "a.txt", change: "modified" },
      { path: "gone.txt", change: "deleted" },
    ]);
    expect(status.unstaged).toEqual([{ path: "b.txt", change: "modified" }]);
    expect(status.untracked).toEqual(["new.txt"]);
    expect(status.counts).toEqual({ staged: 2, unstaged: 1, untracked: 1, conflicted: 0 });
    expect(status.short).toEqual(["M  a.txt", " M b.txt", "D  gone.txt", "?? new.txt"]);
    expect(status.clean).toBe(false);
  });

  test("a clean clone reports its upstream and how far ahead it is", async () => {
    const origin = makeGitRepo({ "a.txt": "a\n" });
    const clone = tempDir("patchbay-git-clone-");
    git(clone, "clone", "-q", origin, ".");
    git(clone, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "local");
    const status = await (await harnessFor(clone)).ok<GitStatus>("codex_git_status");
    expect({ branch: status.branch, upstream: status.upstream, ahead: status.ahead, behind: status.behind, clean: status.clean }).toEqual({
      branch: "main",
      upstream: "origin/main",
      ahead: 1,
      behind: 0,
      clean: true,
    });
  });

  test("porcelain: false leaves the short lines out", async () => {
    const root = makeGitRepo({ "a.txt": "a\n" });
    writeFiles(root, { "a.txt": "changed\n" });
    const status = await (await harnessFor(root)).ok<GitStatus>("codex_git_status", { porcelain: false });
    expect(status.short).toEqual([]);
    expect(status.unstaged).toEqual([{ path: "a.txt", change: "modified" }]);
  });

  test("a directory outside any repository is not_a_git_repo", async () => {
    const plain = tempDir("patchbay-plain-");
    expect(await (await harnessFor(plain)).errorCode("codex_git_status")).toBe("not_a_git_repo");
  });

  test("a workspace below the repository's top sees only its own files, with paths relative to it", async () => {
    const root = makeGitRepo({ "outside.txt": "o\n", "pkg/app/inside.txt": "i\n" });
    writeFiles(root, { "outside.txt": "o2\n", "pkg/app/inside.txt": "i2\n" });
    const status = await (await harnessFor(join(root, "pkg/app"))).ok<GitStatus>("codex_git_status");
    expect(status.unstaged).toEqual([{ path: "inside.txt", change: "modified" }]);
  });
});

describe("codex_git_diff", () => {
  const repo = () => makeGitRepo({ "a.txt": "one\n", "b.txt": "two\n", ".env": "TOKEN=old\n" });

  test("shows the unstaged diff by default and the staged one when asked", async () => {
    const root = repo();
    writeFiles(root, { "a.txt": "one\nmore\n", "b.txt": "two\nstaged\n" });
    git(root, "add", "b.txt");
    const harness = await harnessFor(root);
    const unstaged = await harness.ok<GitDiff>("codex_git_diff");
    expect(unstaged.files).toEqual([{ path: "a.txt", additions: 1, deletions: 0, binary: false }]);
    expect(unstaged.diff).toContain("+more");
    expect(unstaged.diff).not.toContain("+staged");
    const staged = await harness.ok<GitDiff>("codex_git_diff", { staged: true });
    expect(staged.files.map((file) => file.path)).toEqual(["b.txt"]);
    expect(staged.diff).toContain("+staged");
  });

  test("diffs against a ref", async () => {
    const root = repo();
    writeFiles(root, { "a.txt": "one\nsecond commit\n" });
    git(root, "commit", "-q", "-am", "second");
    const diff = await (await harnessFor(root)).ok<GitDiff>("codex_git_diff", { ref: "HEAD~1" });
    expect(diff.ref).toBe("HEAD~1");
    expect(diff.files.map((file) => file.path)).toEqual(["a.txt"]);
    expect(diff.diff).toContain("+second commit");
  });

  test("file_path limits the diff to that file", async () => {
    const root = repo();
    writeFiles(root, { "a.txt": "one\nA\n", "b.txt": "two\nB\n" });
    const diff = await (await harnessFor(root)).ok<GitDiff>("codex_git_diff", { file_path: "b.txt" });
    expect(diff.file_path).toBe("b.txt");
    expect(diff.files.map((file) => file.path)).toEqual(["b.txt"]);
    expect(diff.diff).not.toContain("a.txt");
  });

  test("stops at max_bytes and says it was truncated", async () => {
    const root = repo();
    writeFiles(root, { "a.txt": `${"line of text\n".repeat(2000)}` });
    const diff = await (await harnessFor(root)).ok<GitDiff>("codex_git_diff", { max_bytes: 1000 });
    expect(diff.truncated).toBe(true);
    expect(diff.bytes).toBeLessThanOrEqual(1000);
    expect(diff.files[0]?.additions).toBe(2000);
  });

  test("a changed blocked file is left out of the diff and named in blocked", async () => {
    const root = repo();
    writeFiles(root, { ".env": "TOKEN=new-secret\n", "a.txt": "one\nvisible\n" });
    const diff = await (await harnessFor(root)).ok<GitDiff>("codex_git_diff");
    expect(diff.files.map((file) => file.path)).toEqual(["a.txt"]);
    expect(diff.blocked).toEqual([".env"]);
    expect(diff.diff).not.toContain("new-secret");
    expect(diff.diff).not.toContain(".env");
  });

  test("a blocked glob git's pathspecs cannot express (braces) still keeps the file out", async () => {
    const root = makeGitRepo({ "secret.md": "old\n", "a.txt": "one\n" });
    writeFiles(root, { "secret.md": "new-secret\n", "a.txt": "one\nvisible\n" });
    const harness = await harnessFor(root, { configToml: '[repositories]\nblocked_globs = ["secret.{md,txt}"]\n' });
    const diff = await harness.ok<GitDiff>("codex_git_diff");
    expect(diff.blocked).toEqual(["secret.md"]);
    expect(diff.diff).not.toContain("new-secret");
  });

  test("a ref that git would read as an option is refused and writes nothing", async () => {
    const root = repo();
    writeFiles(root, { "a.txt": "changed\n" });
    expect(await (await harnessFor(root)).errorCode("codex_git_diff", { ref: "--output=pwned.txt" })).toBe("invalid_arguments");
    expect(existsSync(join(root, "pwned.txt"))).toBe(false);
  });

  test("an unknown ref is invalid_arguments, not a crash", async () => {
    expect(await (await harnessFor(repo())).errorCode("codex_git_diff", { ref: "no-such-branch" })).toBe("invalid_arguments");
  });

  test("a tree-ish ref (HEAD:dir) is refused: it would move blocked files out from under their globs", async () => {
    const root = makeGitRepo({ "secrets/key.txt": "private\n", "a.txt": "a\n" });
    const harness = await harnessFor(root, { configToml: '[repositories]\nblocked_globs = ["secrets/**"]\n' });
    expect(await harness.errorCode("codex_git_diff", { ref: "HEAD:secrets" })).toBe("invalid_arguments");
  });

  test("a file_path outside the repository is refused by the guard", async () => {
    expect(await (await harnessFor(repo())).errorCode("codex_git_diff", { file_path: "../elsewhere.txt" })).toBe("path_outside_roots");
  });

  test("the git_diff alias takes CodexPro's path and root arguments", async () => {
    const root = repo();
    writeFiles(root, { "a.txt": "one\nA\n", "b.txt": "two\nB\n" });
    const diff = await (await harnessFor(root, { mode: "full" })).ok<GitDiff>("git_diff", { root, path: "a.txt" });
    expect(diff.files.map((file) => file.path)).toEqual(["a.txt"]);
  });
});

describe("codex_show_changes", () => {
  test("gives status and diff together", async () => {
    const root = makeGitRepo({ "a.txt": "a\n" });
    writeFiles(root, { "a.txt": "a\nb\n", "new.txt": "n\n" });
    const changes = await (await harnessFor(root)).ok<{ status: GitStatus; diff: GitDiff | null }>("codex_show_changes");
    expect(changes.status.short).toEqual([" M a.txt", "?? new.txt"]);
    expect(changes.diff?.diff).toContain("+b");
  });

  test("narrows status and diff to one file, and leaves the diff out when asked", async () => {
    const root = makeGitRepo({ "a.txt": "a\n", "b.txt": "b\n" });
    writeFiles(root, { "a.txt": "a\nA\n", "b.txt": "b\nB\n" });
    const harness = await harnessFor(root);
    const one = await harness.ok<{ file_path: string; status: GitStatus; diff: GitDiff }>("codex_show_changes", { file_path: "b.txt" });
    expect(one.file_path).toBe("b.txt");
    expect(one.status.unstaged).toEqual([{ path: "b.txt", change: "modified" }]);
    expect(one.diff.files.map((file) => file.path)).toEqual(["b.txt"]);
    const noDiff = await harness.ok<{ diff: GitDiff | null }>("codex_show_changes", { include_diff: false });
    expect(noDiff.diff).toBeNull();
  });
});
