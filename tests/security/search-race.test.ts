/**
 * Red team, issue #16: the literal search that reads files in patchbay's process. While a real
 * process (swap-loop.py: renameat2 RENAME_EXCHANGE in a tight loop) flips `sub` between the real
 * directory and a symlink to a directory outside the repository, codex_search_repo must never
 * show a line of the outside file. git grep --untracked never reads through a symlinked
 * directory; a read in process that checks the parent directories only after reading can show
 * what it read through the link whenever the link is swapped back before the check. The same for
 * a file flipping with a hard link to a file outside: its link count is judged on what was read.
 */
import { afterAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { linkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const SWAPPER = join(import.meta.dir, "swap-loop.py");
const OUTSIDE = "OUTSIDE-ONLY-5b2f";
const CALLS = 100;

/** Runs swap-loop.py on `first` ⇄ `second` while CALLS searches run; how many showed OUTSIDE, and how many showed `inside`. */
async function searchWhileSwapping(root: string, first: string, second: string, inside: string): Promise<{ leaked: number; insideSeen: number }> {
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root] });
  const swapper = spawn("python3", [SWAPPER, join(root, first), join(root, second), "120"], { stdio: ["ignore", "pipe", "inherit"] });
  let swapperOut = "";
  swapper.stdout.on("data", (chunk: Buffer) => (swapperOut += chunk.toString()));
  const swapperExited = new Promise<number | null>((resolve) => swapper.once("exit", (code) => resolve(code)));
  try {
    for (const deadline = Date.now() + 10_000; !swapperOut.startsWith("ready"); ) {
      if (Date.now() > deadline || swapper.exitCode !== null) throw new Error("swap-loop.py did not start");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    let leaked = 0;
    let insideSeen = 0;
    for (let call = 0; call < CALLS; call++) {
      const text = JSON.stringify(await within(15_000, client.callTool("codex_search_repo", { query: "needle" })));
      if (text.includes(OUTSIDE)) leaked++;
      if (text.includes(inside)) insideSeen++;
    }
    return { leaked, insideSeen };
  } finally {
    swapper.kill("SIGTERM");
    expect(await swapperExited).toBe(0);
    await client.close();
  }
}

test("a directory flipping to a symlink out of the repository never lets a search show the outside file's lines", async () => {
  const root = makeGitRepo({ "sub/inner.txt": "needle inside\n", "top.txt": "needle top\n" }, { prefix: "patchbay-search-race-" });
  const outside = tempDir("patchbay-search-race-outside-");
  writeFileSync(join(outside, "inner.txt"), `needle ${OUTSIDE}\n`);
  symlinkSync(outside, join(root, "sub-swap"));
  const { leaked, insideSeen } = await searchWhileSwapping(root, "sub", "sub-swap", "needle inside");
  expect({ leaked }).toEqual({ leaked: 0 });
  // The race ran: some searches found the real directory in place.
  expect(insideSeen).toBeGreaterThan(0);
}, 120_000);

test("a file flipping with a hard link to a file outside never lets a search show the outside file's lines", async () => {
  const root = makeGitRepo({ "a.txt": "needle inside\n", "top.txt": "needle top\n" }, { prefix: "patchbay-search-race-" });
  const outside = join(tempDir("patchbay-search-race-outside-"), "secret.txt");
  writeFileSync(outside, `needle ${OUTSIDE}\n`);
  linkSync(outside, join(root, "a-swap"));
  const { leaked, insideSeen } = await searchWhileSwapping(root, "a.txt", "a-swap", "needle inside");
  expect({ leaked }).toEqual({ leaked: 0 });
  expect(insideSeen).toBeGreaterThan(0);
}, 120_000);
