/**
 * codex_repo_tree, codex_read_file and codex_search_repo on real repositories made by the tests
 * (git and plain directories), called through the real registry.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import type { FileSlice } from "../../src/workspace/read.ts";
import type { SearchResult } from "../../src/workspace/search.ts";
import { git, makeGitRepo, writeFiles, type FileTree } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";

type Entry = { path: string; type: string; size?: number };
type Listing = { path: string; entries: Entry[]; truncated: boolean; counts: { files: number; dirs: number; symlinks: number }; source: string };
type Slice = FileSlice;

/** A repository with `files`, all committed but the `untracked` ones. */
const makeRepo = (files: FileTree, options: { untracked?: string[] } = {}) =>
  makeGitRepo(files, { prefix: "patchbay-files-", commits: ["fixture"], ...options });
/** A plain directory (no git) with `files`. */
const makeDir = (files: FileTree) => writeFiles(tempDir("patchbay-files-"), files);

const { open: harnessFor, closeAll } = harnessSet(FILE_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

const paths = (listing: Listing) => listing.entries.map((entry) => entry.path);

describe("codex_repo_tree", () => {
  let repo: string;
  let tools: ToolHarness;
  beforeAll(async () => {
    repo = makeRepo(
      {
        ".gitignore": "dist/\n*.log\n",
        "README.md": "# hi\n",
        "src/app.ts": "export const app = 1;\n",
        "src/lib/deep/deeper/leaf.ts": "leaf\n",
        "dist/bundle.js": "ignored\n",
        "debug.log": "ignored\n",
        "notes.txt": "untracked but not ignored\n",
        ".github/workflows/ci.yml": "on: push\n",
        ".env": "TOKEN=secret\n",
        "certs/server.pem": "-----BEGIN-----\n",
      },
      { untracked: ["notes.txt", "dist/bundle.js", "debug.log"] },
    );
    tools = await harnessFor(repo);
  });

  test("respects .gitignore: ignored files are absent, untracked ones present", async () => {
    // certs/ is listed: only its one file is blocked, as in a walk outside git.
    const listing = await tools.ok<Listing>("codex_repo_tree", { max_depth: 10 });
    expect(listing.source).toBe("git");
    expect(paths(listing)).toEqual([
      "README.md",
      "certs",
      "notes.txt",
      "src",
      "src/app.ts",
      "src/lib",
      "src/lib/deep",
      "src/lib/deep/deeper",
      "src/lib/deep/deeper/leaf.ts",
    ]);
    expect(listing.entries.find((entry) => entry.path === "README.md")).toEqual({ path: "README.md", type: "file", size: 5 });
    expect(listing.counts).toEqual({ files: 4, dirs: 5, symlinks: 0 });
    expect(listing.truncated).toBe(false);
  });

  test("hides blocked paths even when hidden entries are included", async () => {
    const listing = await tools.ok<Listing>("codex_repo_tree", { max_depth: 10, include_hidden: true });
    expect(paths(listing)).toEqual([
      ".github",
      ".github/workflows",
      ".github/workflows/ci.yml",
      ".gitignore",
      "README.md",
      "certs",
      "notes.txt",
      "src",
      "src/app.ts",
      "src/lib",
      "src/lib/deep",
      "src/lib/deep/deeper",
      "src/lib/deep/deeper/leaf.ts",
    ]);
  });

  test("stops at max_depth", async () => {
    expect(paths(await tools.ok<Listing>("codex_repo_tree", { max_depth: 1 }))).toEqual(["README.md", "certs", "notes.txt", "src"]);
    expect(paths(await tools.ok<Listing>("codex_repo_tree", { path: "src", max_depth: 2 }))).toEqual(["src/app.ts", "src/lib", "src/lib/deep"]);
  });

  test("stops at max_entries, shallowest first, and says it truncated", async () => {
    const listing = await tools.ok<Listing>("codex_repo_tree", { max_depth: 10, max_entries: 5 });
    expect(paths(listing)).toEqual(["README.md", "certs", "notes.txt", "src", "src/app.ts"]);
    expect(listing.truncated).toBe(true);
  });

  test("lists inside a hidden directory that was asked for by name", async () => {
    const result = await tools.call("codex_repo_tree", { path: ".github" });
    expect(paths(result.structuredContent as Listing)).toEqual([".github/workflows", ".github/workflows/ci.yml"]);
    expect(result.content).toEqual([{ type: "text", text: "1 file, 1 directory under .github.\n.github/workflows/\n.github/workflows/ci.yml (9 B)" }]);
  });

  test("refuses a blocked directory and a path outside the repository", async () => {
    expect(await tools.errorCode("codex_repo_tree", { path: ".git" })).toBe("path_blocked");
    expect(await tools.errorCode("codex_repo_tree", { path: "../" })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_repo_tree", { path: "README.md" })).toBe("not_a_directory");
  });

  test("lists a directory that is not a git repository, without following a symlinked directory", async () => {
    const outside = makeDir({ "secret.txt": "outside\n" });
    const plain = makeDir({ "a.txt": "a\n", "sub/b.txt": "bb\n", ".hidden/c.txt": "c\n", ".env.local": "X=1\n" });
    symlinkSync(outside, join(plain, "linked"));
    const listing = await (await harnessFor(plain)).ok<Listing>("codex_repo_tree", { max_depth: 5, include_hidden: true });
    expect(listing.source).toBe("walk");
    expect(listing.entries).toEqual([
      { path: ".hidden", type: "dir" },
      { path: ".hidden/c.txt", type: "file", size: 2 },
      { path: "a.txt", type: "file", size: 2 },
      { path: "linked", type: "symlink" },
      { path: "sub", type: "dir" },
      { path: "sub/b.txt", type: "file", size: 3 },
    ]);
  });

  test("the tree alias answers in full mode only", async () => {
    expect(paths(await (await harnessFor(repo, { mode: "full" })).ok<Listing>("tree", { max_depth: 1 }))).toEqual(["README.md", "certs", "notes.txt", "src"]);
    expect(await (await harnessFor(repo, { mode: "standard" })).errorCode("tree", {})).toBe("tool_not_in_mode");
  });
});

describe("codex_read_file", () => {
  let repo: string;
  let tools: ToolHarness;
  beforeAll(async () => {
    repo = makeRepo({
      "lines.txt": Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") + "\n",
      "no-newline.txt": "first\nlast",
      "image.bin": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
      ".env": "OPENAI_API_KEY=nope\n",
      "keys/id_rsa": "PRIVATE\n",
    });
    symlinkSync("/etc/passwd", join(repo, "passwd"));
    tools = await harnessFor(repo, { mode: "minimal" });
  });

  test("reads an empty file as zero lines", async () => {
    writeFileSync(join(repo, "empty.txt"), "");
    expect(await tools.ok<Slice>("codex_read_file", { file_path: "empty.txt" })).toEqual({
      path: "empty.txt",
      size: 0,
      binary: false,
      truncated: false,
      content: "",
      start_line: 1,
      end_line: 0,
      total_lines: 0,
    });
  });

  test("reads a whole file with its line count", async () => {
    expect(await tools.ok<Slice>("codex_read_file", { file_path: "no-newline.txt" })).toEqual({
      path: "no-newline.txt",
      size: 10,
      binary: false,
      truncated: false,
      content: "first\nlast",
      start_line: 1,
      end_line: 2,
      total_lines: 2,
    });
  });

  test("reads an inclusive 1-based line range and says where to continue", async () => {
    const result = await tools.call("codex_read_file", { file_path: "lines.txt", start_line: 3, end_line: 5 });
    expect(result.structuredContent).toMatchObject({
      content: "line 3\nline 4\nline 5\n",
      start_line: 3,
      end_line: 5,
      total_lines: 10,
      next_start_line: 6,
      truncated: false,
    });
    expect(result.content).toEqual([{ type: "text", text: "lines.txt, lines 3-5 of 10; continue with start_line 6:\nline 3\nline 4\nline 5\n" }]);
    const tail = await tools.ok<Slice>("codex_read_file", { file_path: "lines.txt", start_line: 9, end_line: 50 });
    expect(tail).toMatchObject({ content: "line 9\nline 10\n", end_line: 10, truncated: false });
    expect(tail.next_start_line).toBeUndefined();
  });

  test("cuts at the byte cap on a line end and reports truncated", async () => {
    const slice = await tools.ok<Slice>("codex_read_file", { file_path: "lines.txt", max_bytes: 16 });
    expect(slice).toMatchObject({ content: "line 1\nline 2\n", start_line: 1, end_line: 2, truncated: true, next_start_line: 3, total_lines: 10 });
  });

  test("refuses a range past the end or backwards, naming the argument", async () => {
    expect(await tools.errorCode("codex_read_file", { file_path: "lines.txt", start_line: 11 })).toBe("invalid_arguments");
    expect(await tools.errorCode("codex_read_file", { file_path: "lines.txt", start_line: 5, end_line: 4 })).toBe("invalid_arguments");
  });

  test("summarizes a binary file instead of returning it", async () => {
    const result = await tools.call("codex_read_file", { file_path: "image.bin" });
    expect(result.structuredContent).toEqual({ path: "image.bin", size: 8, binary: true, truncated: false, content: "" });
    expect(result.content).toEqual([{ type: "text", text: "image.bin is a binary file of 8 bytes; its content is not shown." }]);
  });

  test("refuses blocked files, escapes and a symlink to /etc/passwd", async () => {
    expect(await tools.errorCode("codex_read_file", { file_path: ".env" })).toBe("path_blocked");
    expect(await tools.errorCode("codex_read_file", { file_path: "keys/id_rsa" })).toBe("path_blocked");
    expect(await tools.errorCode("codex_read_file", { file_path: "../../../etc/passwd" })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_read_file", { file_path: "passwd" })).toBe("path_outside_roots");
    expect(await tools.errorCode("codex_read_file", { file_path: "missing.txt" })).toBe("not_found");
  });

  test("refuses a directory and a FIFO without waiting on it", async () => {
    execFileSync("mkfifo", [join(repo, "pipe")]);
    expect(await tools.errorCode("codex_read_file", { file_path: "pipe" })).toBe("not_a_file");
    expect(await tools.errorCode("codex_read_file", { file_path: "keys" })).toBe("not_a_file");
  });

  test("the read alias takes path instead of file_path", async () => {
    const full = await harnessFor(repo, { mode: "full" });
    expect((await full.ok<Slice>("read", { path: "lines.txt", start_line: 2, end_line: 2 })).content).toBe("line 2\n");
  });
});

describe("codex_search_repo", () => {
  let repo: string;
  let tools: ToolHarness;
  beforeAll(async () => {
    repo = makeRepo(
      {
        ".gitignore": "build/\n",
        "src/a.ts": "const needle = 1;\nconst other = needle.x;\n",
        "src/b.js": "needle in js\n",
        "src/regex.ts": "call(a.b)\ncallXa.b)\n",
        "build/out.js": "needle ignored\n",
        "untracked.md": "a needle here\n",
        ".env": "needle=secret\n",
        "certs/site.pem": "needle\n",
        ".config/tool.json": '"needle"\n',
        "bin/data.bin": new Uint8Array([110, 101, 101, 100, 108, 101, 0, 1]),
        "long.txt": `${"x".repeat(1000)}needle${"y".repeat(1000)}\n`,
      },
      { untracked: ["untracked.md", "build/out.js"] },
    );
    tools = await harnessFor(repo, { mode: "worker" });
  });

  test("finds a literal in tracked and untracked files, skipping ignored, blocked, hidden and binary ones", async () => {
    const found = await tools.ok<SearchResult>("codex_search_repo", { query: "needle" });
    expect(found.engine).toBe("git");
    expect(found.matches.map((match) => `${match.path}:${match.line}`)).toEqual(["long.txt:1", "src/a.ts:1", "src/a.ts:2", "src/b.js:1", "untracked.md:1"]);
    expect(found.matches[1]).toEqual({ path: "src/a.ts", line: 1, text: "const needle = 1;" });
    expect(found.truncated).toBe(false);
  });

  test("clips a very long line around the match", async () => {
    const found = await tools.ok<SearchResult>("codex_search_repo", { query: "needle", path: "long.txt" });
    // 300 characters, a third of them before the match.
    expect(found.matches).toEqual([{ path: "long.txt", line: 1, text: `…${"x".repeat(100)}needle${"y".repeat(194)}…` }]);
  });

  test("includes hidden files only when asked, and never blocked ones", async () => {
    const found = await tools.ok<SearchResult>("codex_search_repo", { query: "needle", include_hidden: true, path: "." });
    expect(found.matches.map((match) => match.path)).toEqual([".config/tool.json", "long.txt", "src/a.ts", "src/a.ts", "src/b.js", "untracked.md"]);
  });

  test("treats regex metacharacters literally unless regex is true", async () => {
    const literal = await tools.ok<SearchResult>("codex_search_repo", { query: "call(a.b)" });
    expect(literal.matches.map((match) => `${match.path}:${match.line}`)).toEqual(["src/regex.ts:1"]);
    const regex = await tools.ok<SearchResult>("codex_search_repo", { query: "call.a\\.b\\)", regex: true });
    expect(regex.matches.map((match) => `${match.path}:${match.line}`)).toEqual(["src/regex.ts:1", "src/regex.ts:2"]);
  });

  test("filters files by glob, by name at any depth or by path under path", async () => {
    expect((await tools.ok<SearchResult>("codex_search_repo", { query: "needle", glob: "*.js" })).matches.map((match) => match.path)).toEqual(["src/b.js"]);
    expect((await tools.ok<SearchResult>("codex_search_repo", { query: "needle", path: "src", glob: "a.*" })).matches.map((match) => match.path)).toEqual([
      "src/a.ts",
      "src/a.ts",
    ]);
    expect((await tools.ok<SearchResult>("codex_search_repo", { query: "needle", glob: "src/*.ts" })).matches.map((match) => match.path)).toEqual([
      "src/a.ts",
      "src/a.ts",
    ]);
  });

  test("stops at max_results and says it truncated", async () => {
    const found = await tools.ok<SearchResult>("codex_search_repo", { query: "needle", max_results: 2 });
    expect(found.matches.map((match) => `${match.path}:${match.line}`)).toEqual(["long.txt:1", "src/a.ts:1"]);
    expect(found.truncated).toBe(true);
  });

  test("refuses an invalid regex, a glob that climbs out and a blocked path, naming the argument", async () => {
    const result = await tools.call("codex_search_repo", { query: "foo(", regex: true });
    expect(result.isError).toBe(true);
    expect((result._meta?.["patchbay/error"] as { code: string; message: string }).message).toStartWith("query: not a valid regular expression");
    expect(await tools.errorCode("codex_search_repo", { query: "x", glob: "../*" })).toBe("invalid_arguments");
    expect(await tools.errorCode("codex_search_repo", { query: "needle", path: ".env" })).toBe("path_blocked");
    expect(await tools.errorCode("codex_search_repo", { query: "needle", path: "../.." })).toBe("path_outside_roots");
  });

  test("a repository's grep settings do not change the results, and a subdirectory root gets paths relative to it", async () => {
    git(repo, "config", "grep.column", "true");
    git(repo, "config", "grep.fullName", "true");
    const subTools = await harnessFor(join(repo, "src"));
    const found = await subTools.ok<SearchResult>("codex_search_repo", { query: "needle" });
    expect(found.matches).toEqual([
      { path: "a.ts", line: 1, text: "const needle = 1;" },
      { path: "a.ts", line: 2, text: "const other = needle.x;" },
      { path: "b.js", line: 1, text: "needle in js" },
    ]);
    expect(paths(await subTools.ok<Listing>("codex_repo_tree", {}))).toEqual(["a.ts", "b.js", "regex.ts"]);
  });

  test("a regex that backtracks without end is refused as too costly, naming query, and the next search is answered", async () => {
    writeFileSync(join(repo, "evil.txt"), `${"a".repeat(50_000)}b\n`);
    const refused = await tools.call("codex_search_repo", { query: "(a|aa)+$", regex: true });
    // PCRE's own limit, not git's timeout (git_timeout) nor a regex run in this process (the call would never answer).
    expect(refused._meta?.["patchbay/error"]).toMatchObject({
      code: "invalid_arguments",
      message: expect.stringMatching(/^query: the regular expression is too costly to run/),
    });
    expect((await tools.ok<SearchResult>("codex_search_repo", { query: "needle", path: "src" })).matches.length).toBeGreaterThan(0);
    rmSync(join(repo, "evil.txt"));
  });

  test("a query that looks like an option is searched for, not obeyed", async () => {
    const found = await tools.ok<SearchResult>("codex_search_repo", { query: "--open-files-in-pager=touch pwned" });
    expect(found.matches).toEqual([]);
  });

  test("searches a directory that is not a git repository, honouring its .gitignore and never following symlinks", async () => {
    const files = { "a.txt": "find me\nnot this\n", "sub/b.md": "also find me\n", ".env": "find me\n", ".gitignore": "skip.txt\n", "skip.txt": "find me\n" };
    const plain = makeDir({ ...files, "img.bin": new Uint8Array([102, 105, 110, 100, 32, 109, 101, 0]) });
    symlinkSync("/etc/passwd", join(plain, "passwd"));
    const plainTools = await harnessFor(plain);
    const found = await plainTools.ok<SearchResult>("codex_search_repo", { query: "find me", include_hidden: true });
    expect(found).toEqual({
      query: "find me",
      regex: false,
      engine: "no-index",
      truncated: false,
      matches: [
        { path: "a.txt", line: 1, text: "find me" },
        { path: "sub/b.md", line: 1, text: "also find me" },
      ],
    } as SearchResult);
    expect((await plainTools.ok<SearchResult>("codex_search_repo", { query: "root:", include_hidden: true })).matches).toEqual([]);
    expect((await plainTools.ok<SearchResult>("codex_search_repo", { query: "f.nd", regex: true, max_results: 1 })).truncated).toBe(true);
    expect((await plainTools.ok<SearchResult>("codex_search_repo", { query: "find", glob: "*.md" })).matches.map((match) => match.path)).toEqual(["sub/b.md"]);
  });
});

describe("a tracked directory later replaced by a symlink out of the repository", () => {
  let tools: ToolHarness;
  beforeAll(async () => {
    const outside = makeDir({ passwd: "outside_secret_value\n" });
    const repo = makeRepo({ "a/passwd": "inside\n", "README.md": "hi\n" });
    rmSync(join(repo, "a"), { recursive: true });
    symlinkSync(outside, join(repo, "a"));
    tools = await harnessFor(repo);
  });

  test("the tree shows the link, not the files git still has in its index", async () => {
    expect((await tools.ok<Listing>("codex_repo_tree", { max_depth: 3 })).entries).toEqual([
      { path: "README.md", type: "file", size: 3 },
      { path: "a", type: "symlink" },
    ]);
  });

  test("search never matches content behind it", async () => {
    expect((await tools.ok<SearchResult>("codex_search_repo", { query: "outside_secret_value" })).matches).toEqual([]);
    expect(await tools.errorCode("codex_read_file", { file_path: "a/passwd" })).toBe("path_outside_roots");
  });
});
