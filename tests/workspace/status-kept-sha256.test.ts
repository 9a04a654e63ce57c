/**
 * codex_git_status keeps git's answer only where it can tell the index holds no gitlink
 * (src/workspace/status-cache.ts, index-entries.ts). A SHA-256 repository's index entries hold
 * 32-byte ids, which the index reader does not parse: such a repository is never kept, so a
 * submodule's new commits made through a git directory outside the watched tree still show.
 */
import { afterAll, expect, test } from "bun:test";
import { utimesSync } from "node:fs";
import { join } from "node:path";
import type { GitStatus } from "../../src/workspace/git-views.ts";
import { treeGeneration } from "../../src/workspace/repo-watch.ts";
import { GIT_TOOLS } from "../../src/workspace/tools/git.ts";
import { git, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { until } from "../support/until.ts";

const { open: harnessFor, closeAll } = harnessSet(GIT_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

function sha256Repo(root: string, ...initArgs: string[]): void {
  git(root, "init", "-q", "-b", "main", "--object-format=sha256", ...initArgs);
  git(root, "config", "user.name", "Test");
  git(root, "config", "user.email", "test@example.com");
}

const shortStatus = async (root: string) => (await (await harnessFor(root)).ok<GitStatus>("codex_git_status")).short;

test("a SHA-256 repository's submodule committed through a git directory outside the tree shows as git says", async () => {
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, at) => [`f${at + 1}`, `${at + 1}\n`]));
  const root = writeFiles(tempDir("patchbay-sha256-"), { ...files, "zsub/i.txt": "i\n" });
  // Files older than the index: git finds them clean without rewriting the index, so an answer can be kept.
  const past = new Date(Date.now() - 60_000);
  for (const path of [...Object.keys(files), "zsub/i.txt"]) utimesSync(join(root, path), past, past);
  sha256Repo(root);
  // The submodule's git directory lives outside the watched tree: its commits change nothing under the root.
  const sub = join(root, "zsub");
  sha256Repo(sub, `--separate-git-dir=${join(tempDir("patchbay-sha256-gitdir-"), "sub.git")}`);
  git(sub, "add", "-A");
  git(sub, "commit", "-q", "-m", "inner");
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "outer");
  expect(git(root, "ls-files", "-s", "zsub").startsWith("160000 ")).toBe(true);

  await until(async () => (await treeGeneration(root)) !== undefined && (await treeGeneration(root)) !== undefined, `a watch of ${root}`);
  expect(await shortStatus(root)).toEqual([]);
  expect(await shortStatus(root)).toEqual([]);

  git(sub, "commit", "-q", "--allow-empty", "-m", "inner again");
  expect(await shortStatus(root)).toEqual([" M zsub"]);
  // git's own word, asked after the tool (a plain `git status` refreshes the index, a change the watch sees).
  expect(git(root, "status", "--short")).toBe("M zsub");
});
