/**
 * Issue #16, the watched tree (src/workspace/repo-watch.ts): Bun drops an event of the same kind
 * for the same file that comes within about a millisecond of the last one it reported, so a second
 * write right after a reported one can go unreported. Anything read in that window must not be
 * kept on the tree's generation: every answer within the quiet window after a reported change is a
 * new number, the next one too, and a kept reading (status, file list, search contents) compares
 * the number before and after it read. Here: the questions right after a change by another process
 * never repeat a number; once the tree is quiet, they do again.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { closeTreeWatches, treeGeneration } from "../../src/workspace/repo-watch.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(() => {
  closeTreeWatches();
  removeTempDirs();
});

/** Two questions in a row: the same number twice means the tree counts as unchanged between them. */
async function twoAnswers(root: string): Promise<[number | undefined, number | undefined]> {
  return [await treeGeneration(root), await treeGeneration(root)];
}

test("right after a reported change no answer repeats; once the tree is quiet the same number comes back", async () => {
  const root = makeGitRepo({ "a.txt": "a\n" });
  const [quiet] = await until(() => twoAnswers(root), "two equal answers from a settled, quiet watch", {
    accept: ([first, second]) => first !== undefined && first === second,
  });

  // Another process writes the file twice, as an editor's truncate and write do.
  execFileSync("sh", ["-c", 'printf x > "$1"; printf yy >> "$1"', "sh", join(root, "a.txt")]);
  const [first, second] = await twoAnswers(root);
  expect(first).toBeNumber();
  expect(second).toBeNumber();
  expect(first).not.toBe(quiet);
  // Within the window the second answer is new too: a reading between the two is never kept.
  expect(second).not.toBe(first);

  const [settledAgain] = await until(() => twoAnswers(root), "two equal answers once the change is older than the window", {
    accept: ([one, two]) => one !== undefined && one === two,
  });
  expect([quiet, first, second]).not.toContain(settledAgain);
});
