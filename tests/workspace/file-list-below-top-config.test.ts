/**
 * The kept file list of a root below its repository's top (not watched: its marks decide) and the
 * config git reads there: `git config --show-origin` names `.git/config` relative to the top, and a
 * relative `core.excludesFile` is the top's too. Read against the root, the remembered reading of
 * the config never refreshed, so an excludes file named after the first call was never watched and
 * its later rules never showed. Counted through the compiled binary with a `git` on PATH that logs
 * each start.
 */
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { loggingGit } from "../support/logging-git.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { treeFiles } from "../support/tree-files.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

test("below the top, an excludes file the repository's config names after the first call changes the tree as it changes git's list", async () => {
  const top = makeGitRepo({ "pkg/app/a.ts": "a\n" });
  const root = join(top, "pkg/app");
  writeFileSync(join(root, "u.log"), "log\n");
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  try {
    const files = () => treeFiles(client);
    const listings = () => gitLog.started().filter((command) => command === "ls-files").length;
    const keptNow = () =>
      until(
        async () => {
          await files();
          const settled = listings();
          await files();
          return listings() - settled;
        },
        "a call that starts no ls-files (the list kept)",
        { accept: (started) => started === 0 },
      );

    expect(await files()).toEqual(["a.ts", "u.log"]);
    await keptNow();

    // The repository's config names an excludes file relative to the top, empty for now.
    writeFileSync(join(top, "ignores"), "");
    git(top, "config", "core.excludesFile", "ignores");
    expect(await files()).toEqual(["a.ts", "u.log"]);
    await keptNow();

    // Its first rule: git hides u.log, and so must the next tree call.
    writeFileSync(join(top, "ignores"), "*.log\n");
    expect(git(root, "ls-files", "--cached", "--others", "--exclude-standard")).toBe("a.ts");
    expect(await files()).toEqual(["a.ts"]);
  } finally {
    await client.close();
  }
});
