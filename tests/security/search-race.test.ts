/**
 * Red team, issue #16: the literal search that reads files in patchbay's process. While a real
 * process (swap-loop.py: renameat2 RENAME_EXCHANGE in a tight loop) flips `sub` between the real
 * directory and a symlink to a directory outside the repository, codex_search_repo must never
 * show a line of the outside file. git grep --untracked never reads through a symlinked
 * directory; a read in process that checks the parent directories only after reading can show
 * what it read through the link whenever the link is swapped back before the check. The same for
 * a file flipping with a hard link to a file outside: its link count is judged on what was read.
 * A search with a glob or a regular expression runs `git grep`, which reads through whatever is in
 * place: each line it prints is shown only when the file, opened safely, holds it.
 */
import { afterAll, expect, test } from "bun:test";
import { linkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { whileSwapping } from "./swapping.ts";

afterAll(removeTempDirs);

const OUTSIDE = "OUTSIDE-ONLY-5b2f";
const CALLS = 100;

/** The in-process literal search, and the two that git grep answers. */
const SEARCHES = {
  literal: { query: "needle" },
  glob: { query: "needle", glob: "*.txt" },
  regex: { query: "need+le", regex: true },
} as const;

/** Runs swap-loop.py on `first` ⇄ `second` while CALLS searches run; how many showed OUTSIDE, and how many showed `inside`. */
async function searchWhileSwapping(
  root: string,
  first: string,
  second: string,
  inside: string,
  search: (typeof SEARCHES)[keyof typeof SEARCHES],
): Promise<{ leaked: number; insideSeen: number }> {
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root] });
  try {
    return await whileSwapping(join(root, first), join(root, second), async () => {
      let leaked = 0;
      let insideSeen = 0;
      for (let call = 0; call < CALLS; call++) {
        const text = JSON.stringify(await within(15_000, client.callTool("codex_search_repo", { ...search })));
        if (text.includes(OUTSIDE)) leaked++;
        if (text.includes(inside)) insideSeen++;
      }
      return { leaked, insideSeen };
    });
  } finally {
    await client.close();
  }
}

for (const [kind, search] of Object.entries(SEARCHES)) {
  test(`${kind} search: a directory flipping to a symlink out of the repository never shows the outside file's lines`, async () => {
    const root = makeGitRepo({ "sub/inner.txt": "needle inside\n", "top.txt": "needle top\n" }, { prefix: "patchbay-search-race-" });
    const outside = tempDir("patchbay-search-race-outside-");
    writeFileSync(join(outside, "inner.txt"), `needle ${OUTSIDE}\n`);
    symlinkSync(outside, join(root, "sub-swap"));
    const { leaked, insideSeen } = await searchWhileSwapping(root, "sub", "sub-swap", "needle inside", search);
    expect({ leaked }).toEqual({ leaked: 0 });
    // The race ran: some searches found the real directory in place.
    expect(insideSeen).toBeGreaterThan(0);
  }, 120_000);

  test(`${kind} search: a file flipping with a hard link to a file outside never shows the outside file's lines`, async () => {
    const root = makeGitRepo({ "a.txt": "needle inside\n", "top.txt": "needle top\n" }, { prefix: "patchbay-search-race-" });
    const outside = join(tempDir("patchbay-search-race-outside-"), "secret.txt");
    writeFileSync(outside, `needle ${OUTSIDE}\n`);
    linkSync(outside, join(root, "a-swap"));
    const { leaked, insideSeen } = await searchWhileSwapping(root, "a.txt", "a-swap", "needle inside", search);
    expect({ leaked }).toEqual({ leaked: 0 });
    expect(insideSeen).toBeGreaterThan(0);
  }, 120_000);
}
