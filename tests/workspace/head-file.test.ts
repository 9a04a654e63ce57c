/**
 * Issue #16: codex_list_workspaces reads each root's branch from HEAD on disk instead of spawning
 * git per root. With no git on PATH at all, the branches it reports are still the ones git itself
 * reports for a branch, a detached HEAD, a linked worktree and a subdirectory of a repository.
 * The commit HEAD names (the worker list's conflict picture) is read the same way and must be the
 * one `git rev-parse HEAD` gives, wherever the ref is kept; where it cannot tell, it says so.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { commitFromHeadFile } from "../../src/workspace/head-file.ts";
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

test("the commit HEAD names, read from disk, is git's: loose and packed refs, a loose ref newer than its packed line, worktrees, detached", () => {
  const gitHead = (root: string) => git(root, "rev-parse", "HEAD").trim();
  const repo = makeGitRepo({ "a.txt": "a\n" }, { commits: ["one", "two"] });
  const worktree = join(tempDir("pb-head-wt-"), "wt");
  git(repo, "worktree", "add", "-q", "-b", "side", worktree, "HEAD~1");
  const detached = join(tempDir("pb-head-wt-"), "detached");
  git(repo, "worktree", "add", "-q", "--detach", detached, "HEAD~1");
  mkdirSync(join(repo, "pkg"));
  const roots = [repo, join(repo, "pkg"), worktree, detached];
  const sameAsGit = () => expect(roots.map(commitFromHeadFile)).toEqual(roots.map(gitHead));

  sameAsGit(); // loose refs
  git(repo, "pack-refs", "--all");
  sameAsGit(); // only in packed-refs, the worktree's branch too (in the common git dir)
  git(repo, "commit", "-q", "--allow-empty", "-m", "three");
  git(worktree, "commit", "-q", "--allow-empty", "-m", "side two");
  sameAsGit(); // loose refs newer than their packed lines
  expect(commitFromHeadFile(repo)).not.toBe(git(repo, "rev-parse", "HEAD~1").trim());
});

test("where the disk does not say the commit plainly, the answer is none and git decides", () => {
  const unborn = makeGitRepo({}, { commits: [] });
  expect(commitFromHeadFile(unborn)).toBeUndefined();
  expect(commitFromHeadFile(tempDir("pb-head-none-"))).toBeUndefined();
  const odd = makeGitRepo({ "a.txt": "a\n" });
  // A loose ref that is not an object id is not passed over for a stale packed line.
  git(odd, "pack-refs", "--all");
  writeFileSync(join(odd, ".git", "refs", "heads", "main"), "ref: refs/heads/other\n");
  expect(commitFromHeadFile(odd)).toBeUndefined();
  // A HEAD pointing out of the git dir is not followed.
  writeFileSync(join(odd, "outside"), `${"a".repeat(40)}\n`);
  writeFileSync(join(odd, ".git", "HEAD"), "ref: refs/heads/../../../outside\n");
  expect(commitFromHeadFile(odd)).toBeUndefined();
});
