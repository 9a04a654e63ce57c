/**
 * Issue #16: which repository a watched root belongs to is taken on the tree's generation
 * (src/workspace/git-repo.ts): while the generation stands, the `.git` entries are not looked at
 * again. A change in `.git/config` moves the generation, so the next answer is git's own: a
 * `core.worktree` naming the parent makes the root a folder of a larger work tree.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { findGitRepo } from "../../src/workspace/git-repo.ts";
import { treeGeneration } from "../../src/workspace/repo-watch.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const gitsPrefix = (root: string) => execFileSync("git", ["rev-parse", "--show-prefix"], { cwd: root, encoding: "utf8" }).trim();

test("a watched root's repository, asked on each generation, follows a core.worktree set in its config", async () => {
  const parent = tempDir("patchbay-git-repo-generation-");
  const root = makeGitRepo({ "a.txt": "a\n" }, { prefix: "patchbay-git-repo-inner-" });
  const inner = join(parent, "repo");
  renameSync(root, inner);
  const first = await treeGeneration(inner);
  expect(typeof first).toBe("number");
  for (let call = 0; call < 2; call++) expect(await findGitRepo(inner, undefined, first)).toEqual({ root: inner, prefix: "" });

  execFileSync("git", ["config", "core.worktree", parent], { cwd: inner });
  expect(gitsPrefix(inner)).toBe("repo/");
  const second = await treeGeneration(inner);
  expect(second).not.toBe(first);
  for (let call = 0; call < 2; call++) expect(await findGitRepo(inner, undefined, second)).toEqual({ root: inner, prefix: "repo/" });
});
