/**
 * The rebase's unresolved conflicts are looked for in the worker's worktree only: a folder the
 * agent swapped for a link out of the worktree is not followed, so a file of the user's outside
 * it is never read, not even to report whether it holds conflict markers.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unresolvedConflicts } from "../../src/workers/unresolved.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const MARKED = "<<<<<<< ours\nmine\n=======\ntheirs\n>>>>>>> theirs\n";

test("markers count in the worktree's own files; through a folder linked out or a link out they do not", () => {
  const worktree = tempDir("pb-unresolved-wt-");
  const outside = tempDir("pb-unresolved-out-");
  writeFileSync(join(outside, "g.txt"), MARKED);
  mkdirSync(join(worktree, "inside"));
  writeFileSync(join(worktree, "inside", "g.txt"), MARKED);
  writeFileSync(join(worktree, "resolved.txt"), "both\n");
  expect(unresolvedConflicts(worktree, ["inside/g.txt", "resolved.txt", "gone.txt"])).toEqual(["inside/g.txt"]);

  // The agent swaps the folder for a link to a folder of the user's that holds markers.
  rmSync(join(worktree, "inside"), { recursive: true });
  symlinkSync(outside, join(worktree, "inside"));
  expect(unresolvedConflicts(worktree, ["inside/g.txt"])).toEqual([]);
  // And the file itself for a link out.
  symlinkSync(join(outside, "g.txt"), join(worktree, "linked.txt"));
  expect(unresolvedConflicts(worktree, ["linked.txt"])).toEqual([]);
});
