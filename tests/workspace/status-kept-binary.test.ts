/**
 * Issue #16, through the compiled binary and the SDK's stdio client: a repeated codex_git_status on
 * an unchanged, watched repository starts no git at all (counted with a `git` on PATH that logs
 * each start), a change is seen by the very next call, and the watch's cookie in `.git` never
 * shows (not in git status, not in the tree) and is gone once the server has ended; one a killed
 * server left is swept.
 */
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { loggingGit } from "../support/logging-git.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

const cookies = (root: string) => readdirSync(join(root, ".git")).filter((name) => name.includes("cookie"));

test("an unchanged watched repository answers codex_git_status without starting git; a change shows at once; the cookie never shows and goes with the server", async () => {
  const root = makeGitRepo({ "a.txt": "aaaa\n", "src/b.txt": "b\n" });
  // What a killed server left: a cookie of a process that is gone.
  const deadCookie = `patchbay-watch-cookie-${spawnSync("true").pid}-0`;
  writeFileSync(join(root, ".git", deadCookie), "1");
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  // A second process watching the same tree, asking between every call: its cookies are no change.
  const other = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  try {
    const short = async () => {
      await other.callTool("codex_git_status");
      return ((await client.callTool("codex_git_status")).structuredContent as { short: string[] }).short;
    };
    expect(await short()).toEqual([]);
    // The first call starts the watch; once it answers, two calls in a row start no git.
    await until(
      async () => {
        const before = gitLog.started().length;
        expect(await short()).toEqual([]);
        expect(await short()).toEqual([]);
        return gitLog.started().slice(before);
      },
      "two calls in a row that start no git",
      { accept: (started) => started.length === 0 },
    );
    expect(cookies(root)).not.toContain(deadCookie);

    writeFileSync(join(root, "a.txt"), "bbbb\n");
    const before = gitLog.started().length;
    expect(await short()).toEqual([" M a.txt"]);
    expect(gitLog.started().slice(before)).toEqual(["status", "status"]);

    expect(cookies(root).length).toBeGreaterThan(0);
    expect(git(root, "status", "--porcelain", "--ignored")).toBe("M a.txt");
    const tree = JSON.stringify((await client.callTool("codex_repo_tree", { max_depth: 10 })).structuredContent);
    expect(tree).toContain("a.txt");
    expect(tree).not.toContain("cookie");
  } finally {
    await client.close();
    await other.close();
  }
  expect(await until(() => cookies(root), "the cookies gone with the servers", { accept: (left) => left.length === 0 })).toEqual([]);
});
