/**
 * Red team, issue #16's caches (kept real paths, git's kept file list, the repository a root
 * belongs to, the in-process search): what changes between two calls of one running server must
 * show in the next call, and never let it reach outside the root or a blocked path. Each attack
 * first makes the server fill its caches, then changes the disk, then calls again. Through the
 * real binary and the SDK's stdio client, default settings plus direct writes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, within, type TestClient, type ToolResult } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

const OUTSIDE = "OUTSIDE-ONLY-9d1e";
let root: string;
let outside: string;
let client: TestClient;

beforeAll(async () => {
  root = makeGitRepo({ "sub/inner.txt": "needle inside\n", "keep.txt": "needle keep\n", ".gitignore": "ignored/\n" });
  outside = tempDir("patchbay-swap-outside-");
  writeFileSync(join(outside, "inner.txt"), `needle ${OUTSIDE}\n`);
  client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root, "--direct-write", "--tool-mode", "standard"] });
});
afterAll(async () => {
  await client.close();
  removeTempDirs();
});

const shown = (result: ToolResult) => JSON.stringify(result);
const errorCode = (result: ToolResult) => (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code;
const call = (name: string, args: Record<string, unknown>) => within(15_000, client.callTool(name, args));

/** Fills every cache a call may keep: the root's real path, git's file list, the repository, the search's file set. */
async function warm(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    await call("codex_read_file", { file_path: "keep.txt" });
    await call("codex_repo_tree", { max_depth: 5 });
    await call("codex_search_repo", { query: "needle" });
    await call("codex_git_status", {});
  }
}

test("a directory swapped for a symlink to outside between calls: read, write, tree and search stay inside", async () => {
  await warm();
  rmSync(join(root, "sub"), { recursive: true });
  symlinkSync(outside, join(root, "sub"));
  try {
    const read = await call("codex_read_file", { file_path: "sub/inner.txt" });
    expect(shown(read)).not.toContain(OUTSIDE);
    expect(errorCode(read)).toBe("path_outside_roots");
    const write = await call("codex_write_file", { file_path: "sub/planted.txt", content: "planted\n" });
    expect(errorCode(write)).toBe("path_outside_roots");
    expect(existsSync(join(outside, "planted.txt"))).toBe(false);
    const overwrite = await call("codex_write_file", { file_path: "sub/inner.txt", content: "changed\n", overwrite: true });
    expect(errorCode(overwrite)).toBe("path_outside_roots");
    expect(readFileSync(join(outside, "inner.txt"), "utf8")).toBe(`needle ${OUTSIDE}\n`);
    const tree = await call("codex_repo_tree", { max_depth: 5 });
    expect(shown(tree)).not.toContain("sub/inner.txt");
    const search = await call("codex_search_repo", { query: "needle" });
    expect(shown(search)).not.toContain(OUTSIDE);
    expect((search.structuredContent as { matches: Array<{ path: string }> }).matches.map((match) => match.path)).toEqual(["keep.txt"]);
  } finally {
    rmSync(join(root, "sub"));
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "sub/inner.txt"), "needle inside\n");
  }
}, 60_000);

test("a look-alike sibling (root-evil next to root) and .. are refused, before and after the caches are warm", async () => {
  const evil = `${root}-evil`;
  mkdirSync(evil, { recursive: true });
  writeFileSync(join(evil, "x.txt"), `${OUTSIDE}\n`);
  try {
    for (let round = 0; round < 2; round++) {
      for (const file_path of [join(evil, "x.txt"), `../${root.split("/").pop()}-evil/x.txt`, "sub/../../x.txt"]) {
        const read = await call("codex_read_file", { file_path });
        expect(shown(read)).not.toContain(OUTSIDE);
        expect(errorCode(read) ?? "").toMatch(/^path_(outside_roots|invalid)$/);
      }
      const write = await call("codex_write_file", { file_path: join(evil, "new.txt"), content: "x\n" });
      expect(errorCode(write)).toBe("path_outside_roots");
      expect(existsSync(join(evil, "new.txt"))).toBe(false);
      await warm();
    }
  } finally {
    rmSync(evil, { recursive: true, force: true });
  }
}, 60_000);

test("a file replaced by a FIFO between calls: read and search answer at once, and the server goes on", async () => {
  await warm();
  rmSync(join(root, "keep.txt"));
  execFileSync("mkfifo", [join(root, "keep.txt")]);
  try {
    expect(errorCode(await call("codex_read_file", { file_path: "keep.txt" }))).toBe("not_a_file");
    const search = await call("codex_search_repo", { query: "needle" });
    expect((search.structuredContent as { matches: Array<{ path: string }> }).matches.map((match) => match.path)).toEqual(["sub/inner.txt"]);
  } finally {
    rmSync(join(root, "keep.txt"));
    writeFileSync(join(root, "keep.txt"), "needle keep\n");
  }
  expect(shown(await call("codex_read_file", { file_path: "keep.txt" }))).toContain("needle keep");
}, 60_000);

test("after git checkout of another branch, a new .env, a .gitignore change and a nested repository, tree and search answer as the disk is now", async () => {
  await warm();
  git(root, "checkout", "-qb", "other");
  writeFileSync(join(root, "branch-only.txt"), "needle branch\n");
  git(root, "add", "branch-only.txt");
  git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "other");
  await warm();
  git(root, "checkout", "-q", "-");
  const paths = async () => {
    const search = await call("codex_search_repo", { query: "needle" });
    const tree = await call("codex_repo_tree", { max_depth: 5, include_hidden: true });
    return {
      search: (search.structuredContent as { matches: Array<{ path: string }> }).matches.map((match) => match.path),
      tree: (tree.structuredContent as { entries: Array<{ path: string }> }).entries.map((entry) => entry.path),
    };
  };
  const back = await paths();
  expect(back.search).toEqual(["keep.txt", "sub/inner.txt"]);
  expect(back.tree).not.toContain("branch-only.txt");

  writeFileSync(join(root, ".env"), "needle SECRET=1\n");
  writeFileSync(join(root, ".gitignore"), "");
  mkdirSync(join(root, "ignored"));
  writeFileSync(join(root, "ignored/now-seen.txt"), "needle unignored\n");
  const nested = join(root, "nested");
  mkdirSync(nested);
  git(nested, "init", "-q");
  writeFileSync(join(nested, "n.txt"), "needle nested\n");
  const now = await paths();
  expect(now.search).toEqual(["ignored/now-seen.txt", "keep.txt", "sub/inner.txt"]);
  expect(now.tree).toContain("ignored/now-seen.txt");
  expect(now.tree).toContain("nested");
  expect(now.tree).not.toContain("nested/n.txt");
  expect(now.tree).not.toContain(".env");
  // Renamed into place (a new inode, the same name): still blocked, still the new content elsewhere.
  renameSync(join(root, "ignored/now-seen.txt"), join(root, ".env.local"));
  const renamed = await paths();
  expect(renamed.search).toEqual(["keep.txt", "sub/inner.txt"]);
  expect(renamed.tree).not.toContain(".env.local");
}, 60_000);
