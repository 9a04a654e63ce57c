/**
 * Red team, issue #16: a tree is watched only while it is small (repo-watch.ts: at most 1,000
 * directories), because every directory costs one inotify watch from the user's limit
 * (`fs.inotify.max_user_watches`), which the user's IDE and other tools share. The bound was checked
 * when the watch started only: an `npm install` afterwards (thousands of directories under an
 * ignored node_modules) grew the watch without end, and it was still trusted. Measured through the
 * kernel's own list of this process's watches (/proc/self/fdinfo).
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { closeTreeWatches, treeGeneration } from "../../src/workspace/repo-watch.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";

afterAll(() => {
  closeTreeWatches();
  removeTempDirs();
});

/** The inotify watches this process holds, as the kernel lists them. */
function inotifyWatches(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (!readlinkSync(`/proc/self/fd/${fd}`).includes("inotify")) continue;
      count += (readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/^inotify wd:/gm) ?? []).length;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

test("a watched tree that grows past 1,000 directories (an install into node_modules) gives its watches back", async () => {
  const root = makeGitRepo({ ".gitignore": "node_modules/\n", "a.txt": "a\n" });
  const deadline = Date.now() + 10_000;
  while ((await treeGeneration(root)) === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await treeGeneration(root)).toBeNumber();
  const before = inotifyWatches();
  expect(before).toBeLessThan(100);
  // Another process installs 300 packages of 5 directories each.
  execFileSync("python3", [
    "-c",
    "import os, sys\nfor p in range(300):\n  for s in range(5):\n" +
      "    os.makedirs(f'{sys.argv[1]}/node_modules/pkg{p}/lib{s}')\n" +
      "    open(f'{sys.argv[1]}/node_modules/pkg{p}/lib{s}/index.js', 'w').write('x')",
    root,
  ]);
  // Questions keep coming, as tool calls do; within the deadline the watches must be given back.
  let held = inotifyWatches();
  for (const until = Date.now() + 15_000; held > 1_000 && Date.now() < until; held = inotifyWatches()) {
    await treeGeneration(root);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(held).toBeLessThanOrEqual(1_000);
  // Then the tree is answered as unwatched: callers ask git.
  expect(await treeGeneration(root)).toBeUndefined();
});
