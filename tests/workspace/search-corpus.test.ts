/**
 * Issue #16: a literal search of a watched tree, searched again with nothing changed, matches the
 * files it read last time joined into one buffer (src/workspace/search-corpus.ts). Its answer must
 * still be git's: no hit across the joint of two files (or three), hits at a file's first and
 * last byte, several on a line, an answer cut at any max_results; another query, another base
 * directory, hidden files asked for, another session's blocked globs; and after every change, with
 * no pause, the files as they are now. Each search runs twice, so the second comes from the joined
 * files whenever the first read them all.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, renameSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { RACY_MS } from "../../src/workspace/file-marks.ts";
import { treeGeneration } from "../../src/workspace/repo-watch.ts";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import type { SearchResult } from "../../src/workspace/search.ts";
import { makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";
import { until } from "../support/until.ts";

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

/** The in-process answer, asked twice in a row, and git's own (a glob sends the search to git grep). */
async function answers(tools: ToolHarness, args: Record<string, unknown>): Promise<{ first: SearchResult; second: SearchResult; git: SearchResult }> {
  const first = await tools.ok<SearchResult>("codex_search_repo", args);
  const second = await tools.ok<SearchResult>("codex_search_repo", args);
  const git = await tools.ok<SearchResult>("codex_search_repo", { ...args, glob: "*" });
  return { first, second, git };
}

async function expectGitsAnswer(tools: ToolHarness, args: Record<string, unknown>): Promise<SearchResult> {
  const { first, second, git } = await answers(tools, args);
  expect({ args, first, second }).toEqual({ args, first: git, second: git });
  return second;
}

test("searched again with nothing changed: no hit across files, every hit and cut as git gives them", async () => {
  const root = makeGitRepo({
    // Joined, these read "x needle y" and "needle": neither file holds the word.
    "a1.txt": "x nee",
    "a2.txt": "dle y\n",
    "h1.txt": "ne",
    "h2.txt": "ed",
    "h3.txt": "le",
    "b.txt": "needle",
    "c.txt": "needle needle\nneedleneedle\n\nx needle\n",
    "d.txt": "",
    "e.bin": "needle\0binary\n",
    "sub/f.txt": "deep needle\n",
    ".hidden/g.txt": "hidden needle\n",
    "z.txt": "last line needle",
  });
  const tools = await harnessFor(root);
  // The path under test needs the tree's generation.
  expect(typeof (await treeGeneration(root))).toBe("number");

  const all = await expectGitsAnswer(tools, { query: "needle", max_results: 100 });
  expect(all.matches.map((match) => `${match.path}:${match.line}`)).toEqual(["b.txt:1", "c.txt:1", "c.txt:2", "c.txt:4", "sub/f.txt:1", "z.txt:1"]);
  for (const query of ["needle", "dle", "e", "le y", "x n"]) {
    for (const max_results of [1, 2, 3, 4, 6, 100]) await expectGitsAnswer(tools, { query, max_results });
  }
  // Other files wanted from the same tree: a directory, hidden files; and back to the whole tree.
  for (const args of [{ path: "sub" }, { include_hidden: true }, { path: ".hidden" }, {}]) await expectGitsAnswer(tools, { query: "needle", ...args });
});

test("a session whose configuration blocks a directory never sees it, after another session's searches of it", async () => {
  const root = makeGitRepo({ "keep/secret.txt": "needle kept\n", "open.txt": "needle open\n" });
  const open = await harnessFor(root);
  expect((await expectGitsAnswer(open, { query: "needle" })).matches.map((match) => match.path)).toEqual(["keep/secret.txt", "open.txt"]);

  const blocked = await harnessFor(root, { configToml: '[repositories]\nblocked_globs = [".env*", ".git/**", "keep/**"]\n' });
  for (let turn = 0; turn < 2; turn++) {
    const found = await blocked.ok<SearchResult>("codex_search_repo", { query: "needle" });
    expect(found.matches).toEqual([{ path: "open.txt", line: 1, text: "needle open" }]);
  }
});

/** Writes `content` to `path` from another process, as an agent's editor would, and sets its times back. */
function rewriteFromOtherProcess(path: string, content: string): void {
  const { atime, mtime } = lstatSync(path);
  execFileSync("sh", ["-c", 'cat > "$1"', "sh", path], { input: content });
  utimesSync(path, atime, mtime);
}

/**
 * Empty directories (git lists none) past the number repo-watch.ts watches: the tree has no
 * generation, and its file list is kept on its directories' marks once they are older than the
 * racy window, so an edit inside a file leaves the list as it was: only the files can tell.
 */
async function pastTheWatchBound(root: string): Promise<void> {
  for (let n = 0; n < 1200; n++) mkdirSync(join(root, "empty", String(n)), { recursive: true });
  const written = Date.now();
  await until(() => Date.now() > written + RACY_MS + 100, "the directories to age past the racy window", { timeoutMs: RACY_MS + 10_000 });
}

for (const [layout, prepare] of [
  ["a watched tree", async (_root: string) => {}],
  ["a tree too large to watch", pastTheWatchBound],
] as const) {
  test(`${layout}: after each change, with no pause, the next searches answer from the files as they are now`, async () => {
    const root = makeGitRepo({ ".gitignore": "ignored/\n", "a.txt": "needle a\n", "b.txt": "plain b\n", "c.txt": "needle c\n", "sub/d.txt": "needle d\n" });
    await prepare(root);
    const tools = await harnessFor(root);
    await expectGitsAnswer(tools, { query: "needle" });
    const steps: Array<[string, () => void]> = [
      ["a same-size edit adding the word, times set back", () => rewriteFromOtherProcess(join(root, "b.txt"), "needle\n")],
      ["a same-size edit removing the word, times set back", () => rewriteFromOtherProcess(join(root, "a.txt"), "thread a\n")],
      ["a new file", () => writeFiles(root, { "e.txt": "needle e\n" })],
      ["a delete", () => rmSync(join(root, "c.txt"))],
      ["a rename", () => renameSync(join(root, "sub/d.txt"), join(root, "sub/d2.txt"))],
      ["a file made binary", () => rewriteFromOtherProcess(join(root, "e.txt"), "needle\0e\n")],
      ["a directory newly ignored", () => writeFiles(root, { ".gitignore": "ignored/\nsub/\n" })],
    ];
    for (const [change, apply] of steps) {
      apply();
      const { first, second, git } = await answers(tools, { query: "needle" });
      expect({ change, first, second }).toEqual({ change, first: git, second: git });
    }
  });
}
