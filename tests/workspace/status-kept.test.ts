/**
 * Issue #16: codex_git_status answers from memory while the watched tree is unchanged
 * (src/workspace/status-cache.ts on src/workspace/repo-watch.ts). Differential: after every
 * mutation, made by this process or by another one, with no pause, the tool's answer is what a
 * fresh `git status --porcelain=v2 --branch` says, on a watched repository and on the layouts that
 * fall back to running git (a linked worktree, a root below the top, a submodule, a root replaced).
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GitStatus } from "../../src/workspace/git-views.ts";
import { treeGeneration } from "../../src/workspace/repo-watch.ts";
import { GIT_TOOLS } from "../../src/workspace/tools/git.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { harnessSet } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(GIT_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

/** What the tool must say, read from a fresh `git status` of `cwd`, parsed here on its own. */
function gitSays(cwd: string) {
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: "0" };
  const raw = execFileSync("git", ["status", "--porcelain=v2", "--branch", "-z", "--", "."], { cwd, encoding: "utf8", env });
  // git names paths from the repository's top; the tool from the root.
  const prefix = execFileSync("git", ["rev-parse", "--show-prefix"], { cwd, encoding: "utf8", env }).trim();
  const local = (path: string | undefined) => (path ?? "").slice(prefix.length);
  const said = { branch: null as string | null, head: null as string | null, upstream: null as string | null, ahead: 0, behind: 0, short: [] as string[] };
  const records = raw.split("\0");
  for (let at = 0; at < records.length; at++) {
    const record = records[at] ?? "";
    const [kind, key, value] = record.split(" ");
    if (kind === "#" && key === "branch.oid") said.head = value === "(initial)" ? null : (value ?? null);
    else if (kind === "#" && key === "branch.head") said.branch = value === "(detached)" ? null : (value ?? null);
    else if (kind === "#" && key === "branch.upstream") said.upstream = value ?? null;
    else if (kind === "#" && key === "branch.ab") {
      said.ahead = Math.abs(Number(value ?? 0));
      said.behind = Math.abs(Number(record.split(" ")[3] ?? 0));
    } else if (kind === "1") said.short.push(`${(key ?? "").replaceAll(".", " ")} ${local(record.split(" ").slice(8).join(" "))}`);
    else if (kind === "2") said.short.push(`${(key ?? "").replaceAll(".", " ")} ${local(records[++at])} -> ${local(record.split(" ").slice(9).join(" "))}`);
    else if (kind === "u") said.short.push(`${key} ${local(record.split(" ").slice(10).join(" "))}`);
    else if (kind === "?") said.short.push(`?? ${local(record.slice(2))}`);
  }
  return said;
}

async function statusTool(root: string) {
  const status = await (await harnessFor(root)).ok<GitStatus>("codex_git_status");
  return { branch: status.branch, head: status.head, upstream: status.upstream, ahead: status.ahead, behind: status.behind, short: status.short };
}

/** Waits until the tree under `root` is watched (its first question starts the watch). */
async function watched(root: string): Promise<void> {
  await until(async () => (await treeGeneration(root)) !== undefined && (await treeGeneration(root)) !== undefined, `a watch of ${root}`);
}

const sh = (cwd: string, script: string) => execFileSync("sh", ["-c", script], { cwd, stdio: "pipe" });

/** Mutations of a repository, each as a shell script run by a separate process, in order. */
const MUTATIONS: Array<[string, string]> = [
  ["a tracked file changed to the same size", "printf 'bbbb\\n' > a.txt"],
  ["an untracked file deep in a new directory", "mkdir -p new/deep/dir && echo x > new/deep/dir/file.txt"],
  ["that file changed in its new directory", "echo y > new/deep/dir/file.txt"],
  ["the untracked file removed", "rm new/deep/dir/file.txt"],
  ["a change staged", "git add a.txt"],
  ["a commit", "git commit -q -m second"],
  ["a branch switched", "git switch -q -c feature"],
  ["an upstream set", "git branch -q --set-upstream-to=main"],
  ["a commit ahead of it", "git commit -q --allow-empty -m ahead"],
  ["the upstream moved past it", "git update-ref refs/heads/main HEAD~1 && git commit-tree -p main -m side HEAD^{tree} | xargs git update-ref refs/heads/main"],
  ["a .gitignore that hides a file", "echo ignored.log > .gitignore && echo l > ignored.log"],
  ["info/exclude hiding the .gitignore", "echo .gitignore >> .git/info/exclude"],
  ["a rename", "git mv b.txt renamed.txt"],
  ["a plain move", "mv c.txt moved.txt"],
  ["chmod +x", "chmod +x renamed.txt"],
  ["a file replaced by a symlink", "rm d.txt && ln -s a.txt d.txt"],
  ["a nested repository", "mkdir nested && git -C nested init -q && echo n > nested/n.txt"],
  ["assume-unchanged, then a change", "git update-index --assume-unchanged a.txt && printf 'cccc\\n' > a.txt"],
];

test("codex_git_status equals a fresh git status after every mutation by another process, on a watched repository", async () => {
  const root = makeGitRepo({ "a.txt": "aaaa\n", "b.txt": "b\n", "c.txt": "c\n", "d.txt": "d\n" });
  expect(await statusTool(root)).toEqual(gitSays(root));
  await watched(root);
  expect(await statusTool(root)).toEqual(gitSays(root));
  for (const [what, script] of MUTATIONS) {
    sh(root, script);
    expect({ what, status: await statusTool(root) }).toEqual({ what, status: gitSays(root) });
    // Asked again with nothing changed: the kept answer, still git's.
    expect({ what, status: await statusTool(root) }).toEqual({ what, status: gitSays(root) });
  }
});

test("200 changes in a row, each followed at once by codex_git_status, from this process and from a child", async () => {
  const root = makeGitRepo({ "f.txt": "0000\n", "deep/er/g.txt": "g\n" });
  await watched(root);
  for (let round = 0; round < 200; round++) {
    const text = `${String(round).padStart(4, "0")}\n`;
    // Every change keeps the size, so only the content (and git's own stat check) tells.
    if (round % 2 === 0) writeFileSync(join(root, round % 4 === 0 ? "f.txt" : "deep/er/g.txt"), text);
    else sh(root, `printf '%s\\n' ${text.trim()} > ${round % 4 === 1 ? "f.txt" : "deep/er/g.txt"}`);
    expect({ round, status: await statusTool(root) }).toEqual({ round, status: gitSays(root) });
    if (round % 10 === 0) sh(root, "git add -A");
  }
});

test("a root whose .git is a file (a linked worktree) and a root below its repository's top still answer as git does", async () => {
  const top = makeGitRepo({ "pkg/app/a.txt": "aaaa\n", "other.txt": "o\n" });
  const worktree = join(tempDir("patchbay-wt-"), "wt");
  git(top, "worktree", "add", "-q", "-b", "wt", worktree);
  const below = join(top, "pkg/app");
  for (const root of [worktree, below]) {
    expect(await treeGeneration(root)).toBeUndefined();
    expect(await statusTool(root)).toEqual(gitSays(root));
    for (const script of ["printf 'bbbb\\n' > pkg/app/a.txt", "echo x > pkg/app/new.txt", "git add -A", "printf 'cccc\\n' > pkg/app/a.txt"]) {
      sh(root === below ? top : root, script);
      expect(await statusTool(root)).toEqual(gitSays(root));
    }
  }
  // Outside the root below the top: never shown, whatever changes there.
  sh(top, "echo changed > other.txt");
  expect((await statusTool(below)).short.some((line) => line.includes("other.txt"))).toBe(false);
});

test("a repository with a submodule shows the submodule's changes as git does", async () => {
  const inner = makeGitRepo({ "i.txt": "i\n" });
  const root = makeGitRepo({ "a.txt": "a\n" });
  git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", inner, "sub");
  git(root, "commit", "-q", "-m", "submodule");
  await watched(root);
  expect(await statusTool(root)).toEqual(gitSays(root));
  writeFiles(join(root, "sub"), { "i.txt": "changed\n" });
  expect(await statusTool(root)).toEqual(gitSays(root));
  expect((await statusTool(root)).short).toEqual([" M sub"]);
  sh(join(root, "sub"), "git commit -q -am inner");
  expect(await statusTool(root)).toEqual(gitSays(root));
});

test("a watched root renamed away and made again answers for the new tree", async () => {
  const root = makeGitRepo({ "a.txt": "a\n" });
  await watched(root);
  expect(await statusTool(root)).toEqual(gitSays(root));
  renameSync(root, `${root}-old`);
  mkdirSync(root);
  git(root, "init", "-q", "-b", "fresh");
  writeFileSync(join(root, "b.txt"), "b\n");
  expect(await statusTool(root)).toEqual(gitSays(root));
  expect((await statusTool(root)).short).toEqual(["?? b.txt"]);
  rmSync(`${root}-old`, { recursive: true, force: true });
});

test("chmod and a symlink made by this process are seen at once", async () => {
  const root = makeGitRepo({ "x.sh": "echo\n", "y.txt": "y\n" });
  await watched(root);
  expect(await statusTool(root)).toEqual(gitSays(root));
  chmodSync(join(root, "x.sh"), 0o755);
  expect(await statusTool(root)).toEqual(gitSays(root));
  rmSync(join(root, "y.txt"));
  symlinkSync("x.sh", join(root, "y.txt"));
  expect(await statusTool(root)).toEqual(gitSays(root));
  expect((await statusTool(root)).short).toEqual([" M x.sh", " T y.txt"]);
});
