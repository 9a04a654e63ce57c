/**
 * Red team, issue #16: codex_repo_tree shows each file's size. While a real process (swap-loop.py)
 * flips `sub` between the real directory and a symlink to a directory outside the repository, no
 * listing may show the size of the outside file: checking the parents by path and then reading
 * the size by path lets the symlink in between. Through the real binary and the SDK's stdio client.
 */
import { afterAll, expect, test } from "bun:test";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { whileSwapping } from "./swapping.ts";

afterAll(removeTempDirs);

/** The outside file's size, which no inside file has. */
const OUTSIDE_SIZE = 12_345;
const INSIDE = "inside\n";
const CALLS = 100;

test("a directory flipping to a symlink out of the repository never lets codex_repo_tree show an outside file's size", async () => {
  const root = makeGitRepo({ "sub/inner.txt": INSIDE, "top.txt": "top\n" }, { prefix: "patchbay-tree-race-" });
  const outside = tempDir("patchbay-tree-race-outside-");
  writeFileSync(join(outside, "inner.txt"), "x".repeat(OUTSIDE_SIZE));
  symlinkSync(outside, join(root, "sub-swap"));
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root] });
  try {
    const { leaked, insideSeen } = await whileSwapping(join(root, "sub"), join(root, "sub-swap"), async () => {
      let leaked = 0;
      let insideSeen = 0;
      for (let call = 0; call < CALLS; call++) {
        const listing = (await within(15_000, client.callTool("codex_repo_tree", {}))).structuredContent as {
          entries: Array<{ path: string; size?: number }>;
        };
        if (listing.entries.some((entry) => entry.size === OUTSIDE_SIZE)) leaked++;
        if (listing.entries.some((entry) => entry.path.endsWith("/inner.txt") && entry.size === INSIDE.length)) insideSeen++;
      }
      return { leaked, insideSeen };
    });
    expect({ leaked }).toEqual({ leaked: 0 });
    // The race ran: some listings found the real directory in place.
    expect(insideSeen).toBeGreaterThan(0);
  } finally {
    await client.close();
  }
}, 120_000);
