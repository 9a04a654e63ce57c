/**
 * Issue #16: the literal search of a small repository keeps the files it read in memory
 * (src/workspace/search-content-cache.ts) and answers from them while they are still the files on
 * disk. After every change, with no pause, a search must answer what
 * `git grep -F -I --untracked --exclude-standard` answers: a same-size edit whose mtime is set back
 * (only the ctime tells), an append, a delete, a new untracked file, a file made binary, a file
 * swapped for a symlink to an outside file holding the word, a directory moved out and linked
 * back, a rename, a newly ignored file and a newly blocked glob; edits from this process and from
 * others, many times over; and repositories whose files exceed the memory bound.
 *
 * A file whose timestamps lie within RACY_MS of its read is read again on every search, so each
 * test first lets its files age past that window: the later searches are then answered from memory
 * wherever the files did not change.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { appendFileSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { treeGeneration } from "../../src/workspace/repo-watch.ts";
import { RACY_MS } from "../../src/workspace/file-marks.ts";
import { MAX_TOTAL_BYTES } from "../../src/workspace/search-content-cache.ts";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import type { SearchResult } from "../../src/workspace/search.ts";
import { makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";
import { until } from "../support/until.ts";

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

const WORD = "needle";
const OUTSIDE = "OUTSIDE-ONLY-7c1e";

/** git's own answer, as `path:line:text`, in its order; `pathspecs` narrows it (a blocked glob's exclude). */
function gitGrep(root: string, pathspecs: string[] = []): string[] {
  const args = ["grep", "-n", "-I", "-F", "--untracked", "--exclude-standard", "--null", "-e", WORD, "--", ...pathspecs];
  try {
    const output = execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return output
      .split("\n")
      .filter((record) => record !== "")
      .map((record) => record.split("\0").join(":"));
  } catch (error) {
    // Exit 1: nothing matched.
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

async function search(tools: ToolHarness): Promise<string[]> {
  const found = await tools.ok<SearchResult>("codex_search_repo", { query: WORD, max_results: 1000 });
  expect(found.truncated).toBe(false);
  return found.matches.map((match) => `${match.path}:${match.line}:${match.text}`);
}

/** The newest mtime or ctime below `dir` (`.git` left out). */
function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.parentPath.split("/").includes(".git") || entry.name === ".git") continue;
    const info = lstatSync(join(entry.parentPath, entry.name));
    newest = Math.max(newest, info.mtimeMs, info.ctimeMs);
  }
  return newest;
}

/** Waits until every file of `root` changed longer ago than the racy window, so a read of it now is kept on its mark. */
async function aged(root: string): Promise<void> {
  const newest = newestChange(root);
  await until(() => Date.now() > newest + RACY_MS + 100, "the files to age past the racy window", { timeoutMs: RACY_MS + 10_000 });
}

/** Rewrites `path` with `content` of the same size and sets its times back to the nanosecond, so size and mtime stay as they were. */
function rewriteKeepingTimes(path: string, content: string | Uint8Array): void {
  const before = lstatSync(path);
  expect(Buffer.byteLength(content)).toBe(before.size);
  const times = join(tempDir("patchbay-search-cache-times-"), "times");
  writeFileSync(times, "");
  execFileSync("touch", ["-r", path, times]);
  writeFileSync(path, content);
  execFileSync("touch", ["-r", times, path]);
  expect(lstatSync(path, { bigint: true }).mtimeNs).toBe(lstatSync(times, { bigint: true }).mtimeNs);
}

/** Writes `content` to `path` from another process, as an agent's editor would. */
function writeFromOtherProcess(path: string, content: string): void {
  execFileSync("sh", ["-c", 'printf "%s" "$1" > "$2"', "sh", content, path]);
}

/**
 * Empty directories (git lists none of them) past the number repo-watch.ts watches: the tree has no
 * generation, so every kept file is checked by its mark alone.
 */
function pastTheWatchBound(root: string): void {
  for (let n = 0; n < 1200; n++) mkdirSync(join(root, "empty", String(n)), { recursive: true });
}

const LAYOUTS = {
  "a watched tree": { prepare: (_root: string) => {}, watched: true },
  "a tree too large to watch": { prepare: pastTheWatchBound, watched: false },
};

for (const [layout, { prepare, watched }] of Object.entries(LAYOUTS)) {
  test(`${layout}: after each change, with no pause, a search answers what git grep answers`, async () => {
    await changesAnswerAsGitDoes(prepare, watched);
  });
}

async function changesAnswerAsGitDoes(prepare: (root: string) => void, watched: boolean): Promise<void> {
  const root = makeGitRepo({
    ".gitignore": "ignored/\n",
    "a.txt": `one ${WORD} here\nplain\n`,
    "b.txt": "no match\n",
    "c.txt": `${WORD} in c\n`,
    "d.txt": `${WORD} in d\n`,
    "bin.txt": `${WORD} to bin\n`,
    "g.txt": `${WORD} in g\n`,
    "h.txt": `${WORD} in h\n`,
    "keep/secret.txt": `${WORD} kept\n`,
    "sub/e.txt": `deep ${WORD}\n`,
    "sub/f.txt": "nothing\n",
  });
  prepare(root);
  const outside = tempDir("patchbay-search-cache-outside-");
  writeFileSync(join(outside, "outside.txt"), `${WORD} ${OUTSIDE}\n`);
  const tools = await harnessFor(root);
  await aged(root);
  expect(await search(tools)).toEqual(gitGrep(root));
  // The path under test: kept files trusted on the tree's generation, or checked by their marks.
  expect(typeof (await treeGeneration(root))).toBe(watched ? "number" : "undefined");

  const steps: Array<[string, () => void]> = [
    ["a same-size edit adding the word, mtime set back", () => rewriteKeepingTimes(join(root, "b.txt"), `${WORD}!!\n`)],
    ["a same-size edit removing the word, mtime set back", () => rewriteKeepingTimes(join(root, "c.txt"), "thread in c\n")],
    ["an append", () => appendFileSync(join(root, "a.txt"), `another ${WORD}\n`)],
    ["a delete", () => rmSync(join(root, "d.txt"))],
    ["a new untracked file in a new directory", () => writeFiles(root, { "new/deeper/n.txt": `${WORD} new\n` })],
    ["a file made binary, same size, mtime set back", () => rewriteKeepingTimes(join(root, "bin.txt"), `${WORD}\0to bin\n`)],
    [
      "a file swapped for a symlink to an outside file holding the word",
      () => {
        rmSync(join(root, "g.txt"));
        symlinkSync(join(outside, "outside.txt"), join(root, "g.txt"));
      },
    ],
    ["a rename", () => renameSync(join(root, "h.txt"), join(root, "h2.txt"))],
    [
      "a directory moved out of the root and linked back, then its file changed outside",
      () => {
        renameSync(join(root, "sub"), join(outside, "sub"));
        symlinkSync(join(outside, "sub"), join(root, "sub"));
        appendFileSync(join(outside, "sub/e.txt"), `${WORD} ${OUTSIDE}\n`);
      },
    ],
    ["a file newly ignored", () => appendFileSync(join(root, ".gitignore"), "new/\n")],
  ];
  for (const [change, apply] of steps) {
    apply();
    const found = await search(tools);
    expect({ change, found }).toEqual({ change, found: gitGrep(root) });
    expect(found.join("\n")).not.toContain(OUTSIDE);
  }
  expect(await search(tools)).toContain(`keep/secret.txt:1:${WORD} kept`);

  // The same process, a session whose configuration now blocks keep/: the kept file is not shown.
  const blocked = await harnessFor(root, { configToml: '[repositories]\nblocked_globs = [".env*", ".git/**", "keep/**"]\n' });
  const found = await search(blocked);
  expect(found).toEqual(gitGrep(root, [".", ":(exclude)keep"]));
  expect(found.join("\n")).not.toContain("keep/secret.txt");
}

test("edit, search, many times over: each search sees the edit before it, from this process or another", async () => {
  const files = Object.fromEntries(Array.from({ length: 50 }, (_, n) => [`src/f${n}.txt`, n % 5 === 0 ? `${WORD} ${n}\n` : `other ${n}\n`]));
  const root = makeGitRepo({ ...files, "loop.txt": "thread 0000\n" });
  const tools = await harnessFor(root);
  await aged(root);
  const loop = join(root, "loop.txt");
  const fixedTime = lstatSync(loop).mtime;
  for (let turn = 0; turn < 200; turn++) {
    // Same size every time, and the same mtime: the size and mtime never tell the edits apart.
    const content = `${turn % 2 === 0 ? WORD : "thread"} ${String(turn).padStart(4, "0")}\n`;
    if (turn % 4 < 2) writeFileSync(loop, content);
    else writeFromOtherProcess(loop, content);
    utimesSync(loop, fixedTime, fixedTime);
    const found = await search(tools);
    expect({ turn, found }).toEqual({ turn, found: gitGrep(root) });
  }
}, 120_000);

/** A repository of files of `fileBytes` each, together past the memory bound, the word at line `n + 1` of file n. */
function largeRepo(fileBytes: number): { root: string; count: number } {
  const count = Math.ceil(MAX_TOTAL_BYTES / fileBytes) + 4;
  const filler = `${"x".repeat(99)}\n`.repeat(fileBytes / 100);
  const root = makeGitRepo({}, { commits: [] });
  for (let n = 0; n < count; n++) {
    const lines = filler.split("\n");
    lines[n] = `${WORD} ${String(n).padStart(92, "0")}`;
    writeFileSync(join(root, `big${String(n).padStart(3, "0")}.txt`), lines.join("\n"));
  }
  return { root, count };
}

test("repositories whose files exceed the memory bound still answer as git does", async () => {
  const [first, second] = [largeRepo(900_000), largeRepo(900_000)];
  const [firstTools, secondTools] = [await harnessFor(first.root), await harnessFor(second.root)];
  await aged(first.root);
  await aged(second.root);
  const expectGit = async (tools: ToolHarness, root: string, change: string) => {
    const found = await search(tools);
    expect({ change, found }).toEqual({ change, found: gitGrep(root) });
  };
  await expectGit(firstTools, first.root, "first search");
  // Same-size edits with the mtime set back, to the first file (read first, so kept) and the last (read after the bound was reached).
  const moveWord = (root: string, n: number) => {
    const path = join(root, `big${String(n).padStart(3, "0")}.txt`);
    const lines = `${"x".repeat(99)}\n`.repeat(9000).split("\n");
    lines[n + 1] = `${WORD} ${String(n).padStart(92, "1")}`;
    rewriteKeepingTimes(path, lines.join("\n"));
  };
  for (const n of [0, first.count - 1]) {
    moveWord(first.root, n);
    await expectGit(firstTools, first.root, `first repository, file ${n} edited`);
  }
  // Two such repositories in turn: each search makes room from the other's.
  for (const [n, { root }, tools] of [
    [1, second, secondTools],
    [2, first, firstTools],
    [second.count - 2, second, secondTools],
    [first.count - 2, first, firstTools],
  ] as const) {
    await expectGit(tools, root, `before the edit of file ${n}`);
    moveWord(root, n);
    await expectGit(tools, root, `after the edit of file ${n}`);
  }
}, 240_000);
