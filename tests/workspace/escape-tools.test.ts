/**
 * The escape suite through the tools themselves: every attempt, through each tool that takes a
 * path, is refused with its code, and nothing outside the repository is read or written.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WORKSPACE_TOOLS } from "../../src/workspace/tools/index.ts";
import { makeEscapeFixture } from "../support/escape-fixture.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { toolHarness, type ToolHarness } from "../support/tools.ts";

let fixture: ReturnType<typeof makeEscapeFixture>;
let tools: ToolHarness;
beforeAll(async () => {
  fixture = makeEscapeFixture();
  tools = await toolHarness(WORKSPACE_TOOLS, { roots: [fixture.root], power: { directWrite: true }, mode: "standard" });
});
afterAll(async () => {
  await tools.close();
  removeTempDirs();
});

const ATTEMPTS: Array<[string, () => string, string]> = [
  ["a sibling through ..", () => "../repo-evil/secret.txt", "path_outside_roots"],
  ["an absolute path elsewhere", () => "/etc/passwd", "path_outside_roots"],
  ["an absolute prefix look-alike", () => `${fixture.root}-evil/secret.txt`, "path_outside_roots"],
  ["a symlinked file pointing out", () => "link-file", "path_outside_roots"],
  ["a file under a symlinked directory", () => "link-dir/secret.txt", "path_outside_roots"],
  ["a relative symlink climbing out", () => "sub/deeper/link-up/outside/secret.txt", "path_outside_roots"],
  ["a NUL byte", () => "README.md\0x", "path_invalid"],
  ["a Windows drive path", () => "C:\\Windows\\win.ini", "path_invalid"],
  ["a home path", () => "~/.ssh/id_rsa", "path_invalid"],
  ["URL-encoded dots", () => "%2e%2e/outside/secret.txt", "path_invalid"],
  ["a blocked .env", () => ".env", "path_blocked"],
  ["a file inside .git", () => ".git/config", "path_blocked"],
];

/** Each tool that takes a path, and how to hand it one. */
const CALLS: Array<[string, (path: string) => Record<string, unknown>]> = [
  ["codex_read_file", (path) => ({ file_path: path })],
  ["codex_repo_tree", (path) => ({ path })],
  ["codex_search_repo", (path) => ({ query: "secret", path })],
  ["codex_write_file", (path) => ({ file_path: path, content: "pwned", create_dirs: true, overwrite: true })],
  ["codex_edit_file", (path) => ({ file_path: path, old_text: "secret", new_text: "pwned" })],
];

function snapshotOutside(): string {
  const listing = (dir: string) =>
    readdirSync(dir)
      .sort()
      .map((name) => `${name}:${readFileSync(join(dir, name), "utf8")}`)
      .join("|");
  return `${listing(fixture.outside)}#${listing(join(fixture.base, "repo-evil"))}`;
}

describe("every path-taking tool refuses every escape", () => {
  for (const [tool, argsFor] of CALLS) {
    for (const [name, path, code] of ATTEMPTS) {
      test(`${tool}: ${name} → ${code}`, async () => {
        const before = snapshotOutside();
        expect(await tools.errorCode(tool, argsFor(path()))).toBe(code);
        expect(snapshotOutside()).toBe(before);
      });
    }
  }

  test("a repository outside the allowed roots is refused by every tool", async () => {
    for (const [tool, argsFor] of CALLS) {
      expect(await tools.errorCode(tool, { ...argsFor("README.md"), repo_path: `${fixture.root}-evil` })).toBe("path_outside_roots");
    }
  });

  test("search never returns a match from a blocked or outside file", async () => {
    const result = await tools.ok<{ matches: Array<{ path: string }> }>("codex_search_repo", { query: "secret" });
    expect(result.matches.map((match) => match.path)).toEqual([]);
    const tokens = await tools.ok<{ matches: Array<{ path: string }> }>("codex_search_repo", { query: "TOKEN" });
    expect(tokens.matches).toEqual([]);
  });
});
