/**
 * Issue #16, "racy git" in the kept file list (src/workspace/file-list.ts), on a root that is not
 * watched (below its repository's top): where timestamps are coarse, a second change in the tick
 * of the snapshot leaves every mark as it was, so a list snapshotted right after a change is not
 * kept; once its entries are older than the window, the next call keeps it. Counted through the
 * compiled binary with a `git` on PATH that logs each start.
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

test("a file list read right after a change is read again by the next call; once the change is older than the window it is kept", async () => {
  const top = makeGitRepo({ "pkg/app/a.ts": "a\n", "other.ts": "o\n" });
  const root = join(top, "pkg/app");
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  try {
    const files = () => treeFiles(client);
    const listings = () => gitLog.started().filter((command) => command === "ls-files").length;

    writeFileSync(join(root, "fresh.ts"), "f\n");
    expect(await files()).toEqual(["a.ts", "fresh.ts"]);
    const before = listings();
    expect(await files()).toEqual(["a.ts", "fresh.ts"]);
    // The directory changed just now: its list was not kept, git listed again.
    expect(listings()).toBeGreaterThan(before);

    // Past the window, one call keeps the list and the ones after it start no ls-files.
    await until(
      async () => {
        await files();
        const settled = listings();
        expect(await files()).toEqual(["a.ts", "fresh.ts"]);
        return listings() - settled;
      },
      "a call that starts no ls-files",
      { accept: (started) => started === 0 },
    );

    // And a change after that shows in the very next call.
    writeFileSync(join(root, "later.ts"), "l\n");
    expect(await files()).toEqual(["a.ts", "fresh.ts", "later.ts"]);
    expect(git(top, "ls-files", "--others", "--exclude-standard", "pkg/app")).toBe("pkg/app/fresh.ts\npkg/app/later.ts");
  } finally {
    await client.close();
  }
});
