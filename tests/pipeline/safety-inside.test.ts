/**
 * The patch check's "inside the repository" is the path guard's isInside: a file whose name only
 * starts with two dots is inside, a path through a symlink out of the repository is not.
 */
import { afterAll, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { checkPatch } from "../../src/pipeline/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(() => removeTempDirs());

const added = (path: string) => `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+x\n`;

test("a new file named ..notes.md passes the repository check; one through a symlink out of the repository does not", () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  expect(checkPatch(added("..notes.md"), repo)).toMatchObject({ ok: true, paths: ["..notes.md"] });
  symlinkSync(tempDir("patchbay-outside-"), join(repo, "out"));
  expect(checkPatch(added("out/x.txt"), repo).violations.map((violation) => violation.rule)).toEqual(["outside_repository"]);
});
