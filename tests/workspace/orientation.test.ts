/**
 * codex_open_workspace, codex_list_workspaces, codex_workspace_snapshot, codex_inventory and
 * codex_load_context on real repositories made by the tests, called through the real registry.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { symlinkSync, utimesSync } from "node:fs";
import { basename, join } from "node:path";
import { buildContextPack, renderContextPack, type ContextPack } from "../../src/workspace/context-pack.ts";
import { GIT_TOOLS } from "../../src/workspace/tools/git.ts";
import { ORIENTATION_TOOLS } from "../../src/workspace/tools/orientation.ts";
import { SKILL_TOOLS } from "../../src/workspace/tools/skills.ts";
import { openWorkspace } from "../../src/workspace/workspace.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const makeRepo = (files: Record<string, string>, options: { commits?: string[] } = {}) => makeGitRepo(files, { prefix: "patchbay-orient-", ...options });
/** A plain directory (no git) with `files`. */
const makeDir = (files: Record<string, string>) => writeFiles(tempDir("patchbay-orient-"), files);

const { open: harnessFor, closeAll } = harnessSet([...ORIENTATION_TOOLS, ...GIT_TOOLS, ...SKILL_TOOLS], { mode: "standard" });

// An empty home: the user's real skills must not leak into these results.
const realHome = process.env.HOME;
beforeAll(() => {
  process.env.HOME = tempDir("patchbay-home-");
});
afterAll(async () => {
  process.env.HOME = realHome;
  await closeAll();
  removeTempDirs();
});

type Opened = {
  name: string;
  root: string;
  git: { is_git_repo: boolean; branch: string | null; head: { sha: string; subject: string } | null; dirty: boolean };
  agents: { path: string | null; headings: string[]; excerpt: string[]; files: string[] };
  skills: { skills: Array<{ name: string }> } | null;
  tree: { lines: string[]; truncated: boolean } | null;
  next_tools: Array<{ tool: string; why: string }>;
};

describe("codex_open_workspace", () => {
  const agents = "# Project rules\n\nUse bun.\n\n## Testing\n\nRun bun test.\n";

  test("orients: name, branch, head commit, AGENTS.md summary, skills, tree and next tools", async () => {
    const root = makeRepo(
      { "AGENTS.md": agents, "src/main.ts": "x\n", "pkg/AGENTS.md": "# Pkg\n", ".agents/skills/lint/SKILL.md": "---\nname: lint\ndescription: Lints\n---\n" },
      { commits: ["first", "add rules"] },
    );
    writeFiles(root, { "src/main.ts": "changed\n" });
    const opened = await (await harnessFor(root)).ok<Opened>("codex_open_workspace");
    const head = git(root, "rev-parse", "--short", "HEAD");
    expect(opened.name).toBe(basename(root));
    expect(opened.git).toMatchObject({ is_git_repo: true, branch: "main", head: { sha: head, subject: "add rules" }, dirty: true });
    expect(opened.agents).toMatchObject({
      path: "AGENTS.md",
      headings: ["# Project rules", "## Testing"],
      excerpt: ["# Project rules", "Use bun.", "## Testing", "Run bun test."],
      files: ["AGENTS.md", "pkg/AGENTS.md"],
    });
    expect(opened.skills?.skills.map((skill) => skill.name)).toEqual(["lint"]);
    expect(opened.tree?.lines).toEqual(["AGENTS.md", "pkg/", "pkg/AGENTS.md", "src/", "src/main.ts"]);
    expect(opened.next_tools.map((item) => item.tool)).toEqual(["codex_show_changes", "codex_load_context", "codex_load_skill", "codex_workspace_snapshot"]);
  });

  test("next tools are limited to the session's mode, and a plain directory still opens", async () => {
    const root = makeDir({ "README.md": "hi\n" });
    const opened = await (await harnessFor(root, { mode: "minimal" })).ok<Opened>("codex_open_workspace", { include_tree: false, include_skills: false });
    expect(opened.git).toMatchObject({ is_git_repo: false, branch: null, head: null, dirty: false });
    expect(opened.agents.path).toBeNull();
    expect(opened.tree).toBeNull();
    expect(opened.skills).toBeNull();
    expect(opened.next_tools).toEqual([]);
  });

  test("the open_workspace alias takes CodexPro's path and max_files", async () => {
    const root = makeRepo({ "a.txt": "a\n", "b.txt": "b\n" });
    const opened = await (await harnessFor(root, { mode: "full" })).ok<Opened>("open_workspace", { path: root, max_files: 1, bootstrap_context: true });
    expect(opened.tree).toEqual({ path: "", lines: ["a.txt"], truncated: true } as never);
  });
});

describe("codex_list_workspaces", () => {
  test("lists every allowed root, default first, with its git branch", async () => {
    const repo = makeRepo({ "a.txt": "a\n" });
    git(repo, "checkout", "-q", "-b", "feature");
    const plain = makeDir({ "b.txt": "b\n" });
    const listed = await (await harnessFor(repo, { roots: [plain, repo], defaultRoot: repo })).ok<{ default_root: string; workspaces: unknown[] }>(
      "codex_list_workspaces",
    );
    expect(listed.default_root).toBe(repo);
    expect(listed.workspaces).toEqual([
      { name: basename(repo), path: repo, is_default: true, exists: true, is_git_repo: true, branch: "feature" },
      { name: basename(plain), path: plain, is_default: false, exists: true, is_git_repo: false, branch: null },
    ]);
  });
});

type Snapshot = {
  is_git_repo: boolean;
  git: { branch: string; clean: boolean } | null;
  commits: Array<{ subject: string }>;
  ai_bridge: { exists: boolean; entries: Array<{ name: string; kind: string; bytes: number; modified: string }> };
  tree: { lines: string[] };
};

describe("codex_workspace_snapshot", () => {
  test("shows .ai-bridge files with size and time, at most max_commits commits, and the tree", async () => {
    const root = makeRepo({ "src/a.ts": "a\n" }, { commits: ["one", "two", "three"] });
    writeFiles(root, { ".ai-bridge/current-plan.md": "# Plan\n", ".ai-bridge/.env": "SECRET=1\n" });
    utimesSync(join(root, ".ai-bridge/current-plan.md"), new Date("2026-01-02T03:04:05Z"), new Date("2026-01-02T03:04:05Z"));
    symlinkSync("/etc/passwd", join(root, ".ai-bridge/link.md"));
    const snapshot = await (await harnessFor(root)).ok<Snapshot>("codex_workspace_snapshot", { max_commits: 2 });
    expect(snapshot.commits.map((commit) => commit.subject)).toEqual(["three", "two"]);
    expect(snapshot.ai_bridge.exists).toBe(true);
    expect(snapshot.ai_bridge.entries).toEqual([{ name: "current-plan.md", kind: "file", bytes: 7, modified: "2026-01-02T03:04:05.000Z" }]);
    expect(snapshot.git).toMatchObject({ branch: "main", clean: false });
    expect(snapshot.tree.lines).toEqual(["src/", "src/a.ts"]);
  });

  test("a workspace without .ai-bridge or git says so", async () => {
    const root = makeDir({ "a.txt": "a\n" });
    const snapshot = await (await harnessFor(root)).ok<Snapshot>("codex_workspace_snapshot");
    expect(snapshot.is_git_repo).toBe(false);
    expect(snapshot.git).toBeNull();
    expect(snapshot.commits).toEqual([]);
    expect(snapshot.ai_bridge).toEqual({ path: ".ai-bridge", exists: false, entries: [], truncated: false, refused: null } as never);
  });
});

describe("codex_inventory", () => {
  type Inventory = {
    tool_mode: string;
    modes: Array<{ mode: string; tool_count: number }>;
    power_tools: Array<{ switch: string; enabled: boolean; value: string; setting: string }>;
  };

  test("reports the tool mode, tools per mode and which power tools this session enables", async () => {
    const root = makeRepo({ "a.txt": "a\n" });
    const inventory = await (await harnessFor(root, { mode: "standard", power: { directWrite: true, bashMode: "safe" } })).ok<Inventory>("codex_inventory");
    expect(inventory.tool_mode).toBe("standard");
    expect(inventory.modes).toEqual([
      { mode: "minimal", tool_count: 2 },
      { mode: "worker", tool_count: 8 },
      { mode: "standard", tool_count: 10 },
      { mode: "full", tool_count: 10 + 9 },
    ]);
    expect(inventory.power_tools.map(({ switch: name, enabled, value, setting }) => ({ name, enabled, value, setting }))).toEqual([
      { name: "direct_write", enabled: true, value: "true", setting: "power_tools.direct_write" },
      { name: "bash_mode", enabled: true, value: "safe", setting: "power_tools.bash_mode" },
      { name: "codex_session_read", enabled: false, value: "false", setting: "power_tools.codex_session_read" },
    ]);
  });
});

describe("codex_load_context", () => {
  test("loads the AGENTS.md chain from the root down to the target, root first", async () => {
    const root = makeRepo({
      "AGENTS.md": "root rules\n",
      "packages/AGENTS.md": "packages rules\n",
      "packages/app/AGENTS.override.md": "app override\n",
      "packages/app/AGENTS.md": "shadowed\n",
      "packages/app/src/main.ts": "code\n",
      "other/AGENTS.md": "unrelated\n",
    });
    const pack = await (await harnessFor(root)).ok<ContextPack>("codex_load_context", { target_path: "packages/app/src/main.ts", include_git: false });
    expect(pack.agents_files.map((file) => [file.path, file.content])).toEqual([
      ["AGENTS.md", "root rules\n"],
      ["packages/AGENTS.md", "packages rules\n"],
      ["packages/app/AGENTS.override.md", "app override\n"],
    ]);
  });

  test("includes selected files, skips a blocked or missing one without failing, and adds git state and .ai-bridge", async () => {
    const root = makeRepo({ "a.txt": "alpha\n", ".env": "TOKEN=x\n", ".ai-bridge/current-plan.md": "# Plan\n" });
    writeFiles(root, { "a.txt": "alpha\nbeta\n" });
    const pack = await (await harnessFor(root)).ok<ContextPack>("codex_load_context", { selected_paths: ["a.txt", ".env", "missing.txt"], include_diff: true });
    expect(pack.selected_files.map((file) => file.path)).toEqual(["a.txt"]);
    expect(pack.skipped.map((file) => [file.path, file.code])).toEqual([
      [".env", "path_blocked"],
      ["missing.txt", "not_found"],
    ]);
    expect(pack.git?.status.short).toEqual([" M a.txt"]);
    expect(pack.git?.diff?.diff).toContain("+beta");
    expect(pack.ai_bridge?.files.map((file) => [file.path, file.content])).toEqual([[".ai-bridge/current-plan.md", "# Plan\n"]]);
    expect(pack.truncated).toBe(false);
  });

  test("the whole bundle stops at LIMITS.contextBytes: a file past it is skipped as context_full", async () => {
    const big = "x".repeat(190_000);
    const root = makeDir({ "one.txt": big, "two.txt": big, "three.txt": big });
    const pack = await (await harnessFor(root)).ok<ContextPack>("codex_load_context", { selected_paths: ["one.txt", "two.txt", "three.txt"] });
    expect(pack.selected_files.map((file) => [file.path, file.bytes, file.truncated])).toEqual([
      ["one.txt", 190_000, false],
      ["two.txt", 190_000, false],
      ["three.txt", 20_000, true],
    ]);
    expect(pack.bytes).toBe(400_000);
    expect(pack.truncated).toBe(true);
  });

  test("buildContextPack honours per-file and total caps and renders Markdown whose fences hold", async () => {
    const root = makeDir({ "a.md": "```\nfenced\n```\n", "b.txt": "0123456789" });
    const harness = await harnessFor(root);
    const ws = await openWorkspace(harness.session.scope, harness.host);
    const pack = await buildContextPack(ws, {
      selectedPaths: ["a.md", "b.txt", "a.md"],
      maxFileBytes: 100,
      maxTotalBytes: 25,
      includeGit: false,
      includeAiBridge: false,
    });
    expect(pack.selected_files.map((file) => [file.path, file.bytes])).toEqual([
      ["a.md", 15],
      ["b.txt", 10],
    ]);
    expect(pack.truncated).toBe(true);
    expect(pack.skipped).toEqual([{ path: "a.md", code: "context_full", reason: "the pack reached its byte limit" }]);
    expect(renderContextPack(pack)).toContain("````\n```\nfenced\n```\n````");
  });
});
