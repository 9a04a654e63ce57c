/**
 * Issue #16, the watched tree (src/workspace/repo-watch.ts): the generation changes at the first
 * question after any change completed before it, however close together the changes came, and
 * repeats while nothing changed. Every change here is made by another process (as an editor or
 * an agent makes it), with no pause before the question: two writes within a millisecond, a file
 * in directories made just before, a file in a directory moved within the tree, and a change
 * after the kernel's queue overflowed (more events than it keeps) and dropped the news of a new
 * directory.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { closeTreeWatches, treeGeneration } from "../../src/workspace/repo-watch.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";

afterAll(() => {
  closeTreeWatches();
  removeTempDirs();
});

const sh = (cwd: string, script: string) => execFileSync("sh", ["-c", script], { cwd, stdio: "pipe" });

/** Runs `script` in another process, then asks twice: a new number, then the same one again. */
async function changedOnce(root: string, before: number, script: string): Promise<number> {
  sh(root, script);
  const first = await treeGeneration(root);
  const second = await treeGeneration(root);
  expect({ script, changed: first !== before, repeated: second === first }).toEqual({ script, changed: true, repeated: true });
  return first!;
}

test("a watched tree: every change by another process gives a new number at the very next question, and none repeats it", async () => {
  const root = makeGitRepo({ "a.txt": "a\n", "src/b.txt": "b\n" });
  let now = (await treeGeneration(root))!;
  expect(now).toBeNumber();
  expect(await treeGeneration(root)).toBe(now);
  for (let round = 0; round < 50; round++) {
    // An editor's truncate and write, well within a millisecond of each other.
    now = await changedOnce(root, now, `printf x > a.txt; printf '${round}' >> a.txt`);
    now = await changedOnce(root, now, `printf '${round}' > src/b.txt`);
  }
  now = await changedOnce(root, now, "mkdir -p new/deep/er && printf 1 > new/deep/er/f.txt");
  // The new directories were watched: a change inside them alone is a change.
  now = await changedOnce(root, now, "printf 2 > new/deep/er/f.txt");
  now = await changedOnce(root, now, "mv new/deep moved");
  now = await changedOnce(root, now, "printf 3 > moved/er/f.txt");
  now = await changedOnce(root, now, "mkdir moved/er/later && printf 4 > moved/er/later/g.txt");
  now = await changedOnce(root, now, "printf 5 > moved/er/later/g.txt");
  now = await changedOnce(root, now, "rm -r moved && printf 6 > a.txt");
  now = await changedOnce(root, now, "chmod +x a.txt");
  now = await changedOnce(root, now, "printf 7 > .git/info/exclude");
});

test("after the kernel's queue overflowed and lost the news of a new directory, a change in that directory is still seen", async () => {
  const queued = Number(readFileSync("/proc/sys/fs/inotify/max_queued_events", "utf8"));
  const root = makeGitRepo({ "a.txt": "a\n" });
  let now = (await treeGeneration(root))!;
  expect(now).toBeNumber();
  now = await changedOnce(root, now, "mkdir flood");
  // In a watched directory, more distinct events than the queue holds (a create and a change of times per file),
  // then the new directory, whose event is dropped.
  now = await changedOnce(root, now, `cd flood && seq ${queued} | xargs touch && cd .. && mkdir late && printf 1 > late/f.txt`);
  now = await changedOnce(root, now, "printf 2 > late/f.txt");
  now = await changedOnce(root, now, "rm -r flood");
}, 60_000);

test("a directory whose name is not UTF-8 (which the watch cannot name) is never passed over: the tree is not watched", async () => {
  const root = makeGitRepo({ "a.txt": "a\n" });
  const now = await treeGeneration(root);
  expect(now).toBeNumber();
  // Made after the watch started, then a file in it changed: either the number moves or the tree is not watched.
  sh(root, "mkdir \"$(printf 'bad\\377')\" && printf 1 > \"$(printf 'bad\\377')/f.txt\"");
  const after = await treeGeneration(root);
  expect(after).not.toBe(now);
  sh(root, "printf 2 > \"$(printf 'bad\\377')/f.txt\"");
  const changed = await treeGeneration(root);
  expect(changed === undefined || changed !== after).toBe(true);
  // Present from the start: not watched at all.
  const other = makeGitRepo({ "a.txt": "a\n" });
  sh(other, "mkdir \"$(printf 'bad\\377')\"");
  expect(await treeGeneration(other)).toBeUndefined();
});
