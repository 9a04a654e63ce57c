/**
 * Issue #16: codex_read_file in a watched tree keeps, for the tree's generation, where a plain path
 * resolved and the bytes of the file it read (src/workspace/generation-memo.ts), so reading an
 * unchanged file again costs no resolution and no open. After each change, with no pause and from
 * another process, the next reads must answer what a fresh read answers: new bytes (a same-size
 * edit with its times set back), and every refusal the guard and the safe open make (a file or a
 * directory swapped for a symlink out of the tree, a link outside the tree on the way back into
 * it re-pointed outward, a second hard link, a FIFO, a removal); a session whose globs block a
 * file never reads it from what another session kept; and reads in one root more than are
 * watched at once close no other root's watch.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { linkSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeTreeWatches, MAX_ROOTS, treeGeneration } from "../../src/workspace/repo-watch.ts";
import type { FileSlice } from "../../src/workspace/read.ts";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

/** The content read, or the refusal's code: asked twice, so the second answer may come from what the first kept. */
async function readTwice(tools: ToolHarness, filePath: string): Promise<string[]> {
  const answers: string[] = [];
  for (let call = 0; call < 2; call++) {
    const result = await tools.call("codex_read_file", { file_path: filePath });
    const refusal = result._meta?.["patchbay/error"] as { code?: string } | undefined;
    answers.push(result.isError ? `refused: ${refusal?.code}` : (result.structuredContent as unknown as FileSlice).content);
  }
  return answers;
}

/** Replaces the entry at `path` with a symlink to `target`. */
function swapForSymlink(path: string, target: string): void {
  rmSync(path);
  symlinkSync(target, path);
}

/** Rewrites `path` from another process with `content` of the same size, and sets its times back. */
function rewriteFromOtherProcess(path: string, content: string): void {
  const before = lstatSync(path);
  expect(Buffer.byteLength(content)).toBe(before.size);
  execFileSync("sh", ["-c", 'cat > "$1"', "sh", path], { input: content });
  utimesSync(path, before.atime, before.mtime);
}

/** Empty directories (git lists none) past the number repo-watch.ts watches: the tree has no generation. */
function pastTheWatchBound(root: string): void {
  for (let n = 0; n < 1200; n++) mkdirSync(join(root, "empty", String(n)), { recursive: true });
}

for (const [layout, prepare, watched] of [
  ["a watched tree", (_root: string) => {}, true],
  ["a tree too large to watch", pastTheWatchBound, false],
] as const) {
  test(`${layout}: after each change, with no pause, a read answers what a fresh read answers`, () => changesAnswerAsFreshReads(prepare, watched));
}

async function changesAnswerAsFreshReads(prepare: (root: string) => void, watched: boolean): Promise<void> {
  const root = makeGitRepo({ "a.txt": "first a\n", "sub/b.txt": "first b\n", "c.txt": "plain c\n", "d.txt": "plain d\n", "e.txt": "plain e\n" });
  const outside = tempDir("patchbay-read-kept-outside-");
  writeFileSync(join(outside, "secret.txt"), "OUTSIDE SECRET\n");
  mkdirSync(join(outside, "sub"));
  writeFileSync(join(outside, "sub", "b.txt"), "OUTSIDE B\n");
  // A link in the tree to a link outside it that leads back in: where it leads can change with no change in the tree.
  symlinkSync(join(root, "sub"), join(outside, "hop"));
  symlinkSync(join(outside, "hop"), join(root, "via"));
  prepare(root);
  const tools = await harnessFor(root);
  expect(typeof (await treeGeneration(root))).toBe(watched ? "number" : "undefined");

  const steps: Array<[string, string, () => void, string]> = [
    [
      "a link outside the tree, on the way to a file of the tree, re-pointed out of it",
      "via/b.txt",
      () => swapForSymlink(join(outside, "hop"), join(outside, "sub")),
      "refused: path_outside_roots",
    ],
    ["a same-size edit, times set back", "a.txt", () => rewriteFromOtherProcess(join(root, "a.txt"), "later a\n"), "later a\n"],
    [
      "the file swapped for a symlink out of the tree",
      "a.txt",
      () => swapForSymlink(join(root, "a.txt"), join(outside, "secret.txt")),
      "refused: path_outside_roots",
    ],
    [
      "its directory swapped for a symlink out of the tree",
      "sub/b.txt",
      () => {
        renameSync(join(root, "sub"), join(root, "sub-old"));
        symlinkSync(join(outside, "sub"), join(root, "sub"));
      },
      "refused: path_outside_roots",
    ],
    ["a second hard link to it", "c.txt", () => linkSync(join(root, "c.txt"), join(root, "c-link.txt")), "refused: path_hardlink"],
    [
      "the file swapped for a FIFO",
      "d.txt",
      () => {
        rmSync(join(root, "d.txt"));
        execFileSync("mkfifo", [join(root, "d.txt")]);
      },
      "refused: not_a_file",
    ],
    ["the file removed", "e.txt", () => rmSync(join(root, "e.txt")), "refused: not_found"],
  ];
  for (const [change, path, apply, expected] of steps) {
    expect({ change, before: (await readTwice(tools, path))[1] }).not.toEqual({ change, before: expected });
    apply();
    expect({ change, after: await readTwice(tools, path) }).toEqual({ change, after: [expected, expected] });
  }
}

test("a session whose globs block a file is refused it after another session read it", async () => {
  const root = makeGitRepo({ "keep/secret.txt": "kept secret\n", "open.txt": "open\n" });
  const open = await harnessFor(root);
  expect(await readTwice(open, "keep/secret.txt")).toEqual(["kept secret\n", "kept secret\n"]);
  const blocked = await harnessFor(root, { configToml: '[repositories]\nblocked_globs = [".env*", ".git/**", "keep/**"]\n' });
  expect(await readTwice(blocked, "keep/secret.txt")).toEqual(["refused: path_blocked", "refused: path_blocked"]);
  expect(await readTwice(blocked, "open.txt")).toEqual(["open\n", "open\n"]);
});

test("reads in one root more than are watched at once answer, and close no other root's watch", async () => {
  closeTreeWatches();
  const watched = Array.from({ length: MAX_ROOTS }, (_, n) => makeGitRepo({ "w.txt": `watched ${n}\n` }));
  const numbers = await Promise.all(watched.map((root) => treeGeneration(root)));
  expect(numbers.every((number) => typeof number === "number")).toBe(true);

  const extra = makeGitRepo({ "x.txt": "one more\n" });
  expect(await readTwice(await harnessFor(extra), "x.txt")).toEqual(["one more\n", "one more\n"]);
  // A watch closed and started again would answer a new number.
  expect(await Promise.all(watched.map((root) => treeGeneration(root)))).toEqual(numbers);
});
