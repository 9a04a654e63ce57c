/**
 * Issue #16: codex_repo_tree keeps git's file list of a root between calls (src/workspace/file-list.ts),
 * so a call on a large repository does not run `git ls-files` again. Every change that changes
 * git's answer must show in the next call, whichever of the watched things it touches: a new
 * untracked file in a listed directory, in an empty one, in a nested one; a new or edited
 * .gitignore, including one above a root that is a subdirectory; info/exclude; a file added to
 * the index that .gitignore ignores. Each step compares with `git ls-files` itself.
 */
import { afterAll, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

interface Listing {
  entries: Array<{ path: string; type: string }>;
}

/** The files git lists for `root` (tracked and untracked, ignored ones left out), without the hidden ones the tree leaves out by default. */
const gitSays = (root: string) =>
  git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    .split("\0")
    .filter((path) => path !== "" && !path.split("/").some((segment) => segment.startsWith(".")))
    .sort();

async function treeFiles(root: string): Promise<string[]> {
  const listing = await (await harnessFor(root)).ok<Listing>("codex_repo_tree", { max_depth: 10, max_entries: 1000 });
  return listing.entries
    .filter((entry) => entry.type === "file")
    .map((entry) => entry.path)
    .sort();
}

test("every change that changes git's file list shows in the next tree call", async () => {
  const top = makeGitRepo({ "src/a.ts": "a\n", ".gitignore": "*.log\nbuild/\n", "pkg/app/x.ts": "x\n" });
  mkdirSync(join(top, "empty/deeper"), { recursive: true });
  mkdirSync(join(top, "build/out"), { recursive: true });
  const steps: Array<[string, () => void]> = [
    ["a new untracked file in a listed directory", () => writeFileSync(join(top, "src/b.ts"), "b\n")],
    ["a new file two levels into an empty directory", () => writeFileSync(join(top, "empty/deeper/c.ts"), "c\n")],
    ["a new file in an ignored directory (not listed)", () => writeFileSync(join(top, "build/out/d.ts"), "d\n")],
    ["an ignored file (not listed)", () => writeFileSync(join(top, "src/e.log"), "e\n")],
    ["a .gitignore edited in place", () => appendFileSync(join(top, ".gitignore"), "*.ts\n")],
    ["a new nested .gitignore that brings a file back", () => writeFileSync(join(top, "src/.gitignore"), "!b.ts\n")],
    ["info/exclude", () => appendFileSync(join(top, ".git/info/exclude"), "src/\n")],
    ["an ignored file added to the index", () => git(top, "add", "-f", "build/out/d.ts")],
    ["a file removed from the index", () => git(top, "rm", "-q", "--cached", "src/a.ts")],
  ];
  expect(await treeFiles(top)).toEqual(gitSays(top));
  for (const [what, change] of steps) {
    change();
    expect({ what, files: await treeFiles(top) }).toEqual({ what, files: gitSays(top) });
  }
});

test("a root below the repository's top follows a .gitignore above it", async () => {
  const top = makeGitRepo({ "pkg/app/x.ts": "x\n" });
  const root = join(top, "pkg/app");
  writeFileSync(join(root, "z.txt"), "z\n");
  expect(await treeFiles(root)).toEqual(["x.ts", "z.txt"]);
  // Nothing changes inside the root: only the rules above it.
  writeFileSync(join(top, ".gitignore"), "*.txt\n");
  expect(await treeFiles(root)).toEqual(["x.ts"]);
  appendFileSync(join(top, ".gitignore"), "!z.txt\n");
  expect(await treeFiles(root)).toEqual(["x.ts", "z.txt"]);
  writeFileSync(join(top, "pkg/.gitignore"), "z.txt\n");
  expect(await treeFiles(root)).toEqual(gitSays(root));
  expect(await treeFiles(root)).toEqual(["x.ts"]);
});
