/**
 * Issue #16: a literal codex_search_repo on a small repository reads the files in patchbay's
 * process (src/workspace/search-files.ts) instead of spawning `git grep`. Its answer must be the
 * one git gives: compared with the same search sent to git (a glob matching every file takes the
 * git path) on a repository holding every case git's walk decides: tracked, untracked, ignored,
 * ignored yet tracked, symlinks, a binary, a nested repository, names git orders by bytes, CRLF,
 * a long line, a file without a final newline, hidden and blocked files; and a tracked file that
 * .gitattributes marks binary, which sends the search to git.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import type { SearchResult } from "../../src/workspace/search.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

function everyCase(): string {
  const root = makeGitRepo({
    ".gitignore": "ignored.txt\nbuild/\n",
    "a.txt": "tok tracked\nsecond tok line tok\n",
    "ignored-but-tracked.txt": "tok\n",
    "Z.txt": "tok upper\n",
    "sub/deep/d.txt": "no\nno\ntok at three\n",
    "crlf.txt": "tok crlf\r\nplain\r\n",
    "tail.txt": "no newline tok",
    ".hidden/h.txt": "tok hidden\n",
    ".env": "TOKEN=tok\n",
  });
  git(root, "mv", "ignored-but-tracked.txt", "ignored.txt");
  git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "rename");
  writeFiles(root, {
    "u.txt": "tok untracked\n",
    "é.txt": "tok accent\n",
    "build/out.txt": "tok built\n",
    "long.txt": `${"x".repeat(500)}tok${"y".repeat(500)}\n`,
    "start.txt": "tok\n",
  });
  writeFileSync(join(root, "bin.dat"), Buffer.from("tok\0binary\n"));
  symlinkSync("a.txt", join(root, "link.txt"));
  symlinkSync(tempDir("pb-search-outside-"), join(root, "outlink"));
  const nested = join(root, "nested");
  mkdirSync(nested);
  git(nested, "init", "-q");
  writeFileSync(join(nested, "n.txt"), "tok nested\n");
  return root;
}

test("a literal search answers as git grep does, for every file git's walk decides about", async () => {
  const root = everyCase();
  const tools = await harnessFor(root);
  for (const args of [{}, { max_results: 3 }, { path: "sub" }, { include_hidden: true }]) {
    const inProcess = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", ...args });
    const byGit = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", glob: "*", ...args });
    expect({ args, ...inProcess }).toEqual({ args, ...byGit });
  }
  const all = await tools.ok<SearchResult>("codex_search_repo", { query: "tok" });
  expect(all.matches.map((match) => `${match.path}:${match.line}`)).toEqual([
    "Z.txt:1",
    "a.txt:1",
    "a.txt:2",
    "crlf.txt:1",
    "long.txt:1",
    "start.txt:1",
    "sub/deep/d.txt:3",
    "tail.txt:1",
    "u.txt:1",
    "é.txt:1",
  ]);
  // A file as the path searches that file (a glob cannot narrow to it, so git's answer is written out).
  const one = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", path: "a.txt" });
  expect(one.matches).toEqual([
    { path: "a.txt", line: 1, text: "tok tracked" },
    { path: "a.txt", line: 2, text: "second tok line tok" },
  ]);
});

test("a file .gitattributes marks binary is left out, as git leaves it out", async () => {
  const root = makeGitRepo({ ".gitattributes": "*.dat binary\n", "a.dat": "tok in data\n", "b.txt": "tok\n" });
  const found = await (await harnessFor(root)).ok<SearchResult>("codex_search_repo", { query: "tok" });
  expect(found.matches.map((match) => match.path)).toEqual(["b.txt"]);
});

test("a repository past the in-process share: an answer found early, and one only git finds, both as git gives them", async () => {
  const files = Object.fromEntries(
    Array.from({ length: 2500 }, (_, n) => [`d${Math.floor(n / 100)}/f${String(n).padStart(4, "0")}.txt`, n < 10 || n === 2499 ? "tok\n" : "no\n"]),
  );
  const tools = await harnessFor(makeGitRepo(files));
  for (const args of [{ max_results: 5 }, { max_results: 50 }]) {
    const inProcess = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", ...args });
    const byGit = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", glob: "*", ...args });
    expect(inProcess).toEqual(byGit);
  }
  expect((await tools.ok<SearchResult>("codex_search_repo", { query: "tok", max_results: 50 })).matches.at(-1)?.path).toBe("d24/f2499.txt");
});

test("a search inside a dot directory finds its lines after a search of the whole repository", async () => {
  // Whether a dot file is hidden depends on where the search starts: the verdicts kept between
  // searches must not carry a whole-repository search's "hidden" into a search of that directory.
  const root = makeGitRepo({ ".config/settings.txt": "tok inside\n", "top.txt": "tok top\n" });
  const tools = await harnessFor(root);
  const whole = await tools.ok<SearchResult>("codex_search_repo", { query: "tok" });
  expect(whole.matches).toEqual([{ path: "top.txt", line: 1, text: "tok top" }]);

  const inside = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", path: ".config" });
  const byGit = await tools.ok<SearchResult>("codex_search_repo", { query: "tok", path: ".config", glob: "*" });
  expect(byGit.matches).toEqual([{ path: ".config/settings.txt", line: 1, text: "tok inside" }]);
  expect(inside.matches).toEqual(byGit.matches);
});
