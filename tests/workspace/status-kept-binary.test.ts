/**
 * Issue #16, through the compiled binary and the SDK's stdio client: a repeated codex_git_status on
 * an unchanged, watched repository starts no git at all (counted with a `git` on PATH that logs
 * each start), a change is seen by the very next call, and nothing is written in `.git` or the
 * tree to learn that (no file appears or changes there), with a second server watching too.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { loggingGit } from "../support/logging-git.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

/** Every entry of `.git` and the tree (the object store aside) with its change time: a write anywhere shows. */
const written = (root: string) =>
  (readdirSync(root, { recursive: true }) as string[])
    .filter((name) => !name.startsWith(join(".git", "objects")))
    .map((name) => `${name} ${statSync(join(root, name)).ctimeMs}`)
    .sort();

test("an unchanged watched repository answers codex_git_status without starting git; a change shows at once; nothing is written to learn it", async () => {
  const root = makeGitRepo({ "a.txt": "aaaa\n", "src/b.txt": "b\n" });
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  // A second process watching the same tree, asking between every call.
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
    const untouched = written(root);
    for (let call = 0; call < 20; call++) expect(await short()).toEqual([]);
    expect(written(root)).toEqual(untouched);

    writeFileSync(join(root, "a.txt"), "bbbb\n");
    const before = gitLog.started().length;
    expect(await short()).toEqual([" M a.txt"]);
    expect(gitLog.started().slice(before)).toEqual(["status", "status"]);
    expect(git(root, "status", "--porcelain", "--ignored")).toBe("M a.txt");
  } finally {
    await client.close();
    await other.close();
  }
});
