/**
 * Issue #16: codex_search_repo stops git once its output holds more matches that may be shown than
 * max_results, so a search with many matches does not read the whole repository. What may be shown
 * is decided after git, by checks git cannot make (a second hard link); when they drop matches
 * from a search stopped early, the whole search answers, so the first max_results shown matches
 * are the same as without the stop.
 */
import { afterAll, expect, test } from "bun:test";
import { linkSync } from "node:fs";
import { join } from "node:path";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import type { SearchResult } from "../../src/workspace/search.ts";
import { makeGitRepo, type FileTree } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

// Lines long enough that git's output comes in many pipe reads, so it is stopped part-way.
const PAD = "x".repeat(250);
const files = (count: number): FileTree =>
  Object.fromEntries(Array.from({ length: count }, (_, n) => [`f${String(n).padStart(3, "0")}.txt`, `needle ${n} ${PAD}\n`]));

test("many matches: the first max_results in path order, truncated", async () => {
  const root = makeGitRepo(files(300));
  const found = await (await harnessFor(root)).ok<SearchResult>("codex_search_repo", { query: "needle", max_results: 3 });
  expect(found.matches).toEqual([
    { path: "f000.txt", line: 1, text: `needle 0 ${PAD}` },
    { path: "f001.txt", line: 1, text: `needle 1 ${PAD}` },
    { path: "f002.txt", line: 1, text: `needle 2 ${PAD}` },
  ]);
  expect(found.truncated).toBe(true);
});

test("matches dropped after git stopped early are made up from the rest of the repository", async () => {
  const root = makeGitRepo(files(300));
  // The first 290 files (more than git's first reads hold) get a second name outside the
  // repository: search leaves them out, as reads refuse them.
  const outside = tempDir("pb-search-links-");
  for (let n = 0; n < 290; n++) linkSync(join(root, `f${String(n).padStart(3, "0")}.txt`), join(outside, `copy${n}.txt`));
  const found = await (await harnessFor(root)).ok<SearchResult>("codex_search_repo", { query: "needle", max_results: 5 });
  expect(found.matches.map((match) => match.path)).toEqual(["f290.txt", "f291.txt", "f292.txt", "f293.txt", "f294.txt"]);
  expect(found.truncated).toBe(true);
});
