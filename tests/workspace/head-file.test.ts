/**
 * Issue #16: codex_list_workspaces reads each root's branch from HEAD on disk instead of spawning
 * git per root. With no git on PATH at all, the branches it reports are still the ones git itself
 * reports for a branch, a detached HEAD, a linked worktree and a subdirectory of a repository.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

/** What git says: the branch name, or null on a detached HEAD. */
function gitBranch(root: string): string | null {
  try {
    return git(root, "symbolic-ref", "--quiet", "--short", "HEAD").trim();
  } catch {
    return null;
  }
}

test("without git on PATH, codex_list_workspaces reports the branch git reports for each root", async () => {
  const onBranch = makeGitRepo({ "a.txt": "a\n" });
  git(onBranch, "checkout", "-q", "-b", "feature/x");
  const detached = makeGitRepo({ "a.txt": "a\n" }, { commits: ["one", "two"] });
  git(detached, "checkout", "-q", "--detach", "HEAD~1");
  const worktree = join(tempDir("pb-head-wt-"), "wt");
  git(onBranch, "worktree", "add", "-q", "-b", "side", worktree);
  const subdir = join(makeGitRepo({ "a.txt": "a\n" }), "pkg");
  mkdirSync(subdir);
  const roots = [onBranch, detached, worktree, subdir];
  const expected = roots.map((root) => ({ name: basename(root), is_git_repo: true, branch: gitBranch(root) }));
  expect(expected.map((entry) => entry.branch)).toEqual(["feature/x", null, "side", "main"]);

  const args = ["--standalone", "--root", onBranch, ...roots.slice(1).flatMap((root) => ["--allow-root", root])];
  const client = await connectStdio("v2-legacy", { home: tempDir(), args, env: { PATH: "/nonexistent" } });
  try {
    const result = await client.callTool("codex_list_workspaces");
    expect(result.isError).toBeFalsy();
    const listed = (result.structuredContent as { workspaces: Array<{ name: string; is_git_repo: boolean; branch: string | null }> }).workspaces;
    expect(listed.map(({ name, is_git_repo, branch }) => ({ name, is_git_repo, branch }))).toEqual(expected);
  } finally {
    await client.close();
  }
});
