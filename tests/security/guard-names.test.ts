/**
 * Issue #11, finding 12: names that a case-insensitive, normalizing file system (macOS, Windows)
 * opens as `.git` or as a blocked file (`.GIT`, `.git\u200b`, `.ENV`, `.env\u200b`) are refused by
 * the workspace tools like the names they stand for. On Linux these are distinct files, so each
 * look-alike here holds a marker: a refused read must not show it, a refused write or edit must
 * leave the disk as it was, and search must not return it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { WORKSPACE_TOOLS } from "../../src/workspace/tools/index.ts";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { toolHarness, type ToolHarness } from "../support/tools.ts";

/** Spellings of `.git` that a case-insensitive or normalizing file system (macOS) opens as the real one. */
const FOLDED_GIT = [".GIT", ".Git", ".git\u200b", ".git\u200c", ".git\u200d", ".git\u2060", "\ufeff.git", ".g\u00adit", ".GIT\u200b", ".\uff47\uff49\uff54"];
/** Windows' aliases of `.git`: a trailing dot or space, and the 8.3 short name. */
const WINDOWS_GIT = [".git.", ".git ", "GIT~1"];
const GIT_LOOKALIKES = [...FOLDED_GIT, ...WINDOWS_GIT];
/** Spellings of files the default blocked globs (".env*", "**\/*.pem", "**\/*.key", "**\/id_rsa*") cover. */
const BLOCKED_LOOKALIKES = [
  ".ENV",
  ".Env.local",
  ".env\u200b",
  "\u200b.env",
  ".e\u200dnv",
  ".\uff45\uff4e\uff56",
  "config/.ENV.production",
  "certs/server.PEM",
  "certs/tls.Key",
  "keys/ID_RSA",
  "keys/id\u200b_rsa",
];

const marker = (index: number) => `LOOKALIKE-MARKER-${index}`;
const text = (result: { content?: unknown }) => JSON.stringify(result);

let root: string;
let tools: ToolHarness;
const lookalikeFiles: string[] = [];

beforeAll(async () => {
  root = makeGitRepo(
    { "README.md": "hello\n", ".github/workflows/ci.yml": "on: push\n", ".gitignore": "dist/\n", "docs/\u{1F468}\u200d\u{1F4BB}.md": "emoji name\n" },
    { prefix: "patchbay-names-" },
  );
  // Written after the commit: git itself refuses to track most of these names.
  for (const name of [...GIT_LOOKALIKES.map((dir) => `${dir}/config`), ...BLOCKED_LOOKALIKES]) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), `${marker(lookalikeFiles.length)}\n`);
    lookalikeFiles.push(name);
  }
  tools = await toolHarness(WORKSPACE_TOOLS, { roots: [root], power: { directWrite: true }, mode: "standard" });
});
afterAll(async () => {
  await tools.close();
  removeTempDirs();
});

/** Read, edit and overwrite of a look-alike are refused, its marker is never shown, and the file is unchanged. */
async function expectUntouchable(file: string): Promise<void> {
  const index = lookalikeFiles.indexOf(file);
  const read = await tools.call("codex_read_file", { file_path: file });
  expect(read._meta?.["patchbay/error"]).toMatchObject({ code: "path_blocked" });
  expect(text(read)).not.toContain(marker(index));
  expect(await tools.errorCode("codex_edit_file", { file_path: file, old_text: marker(index), new_text: "pwned" })).toBe("path_blocked");
  expect(await tools.errorCode("codex_write_file", { file_path: file, content: "pwned\n", overwrite: true })).toBe("path_blocked");
  expect(readFileSync(join(root, file), "utf8")).toBe(`${marker(index)}\n`);
}

describe("a .git directory spelled another way", () => {
  test.each(GIT_LOOKALIKES)("%j: read, edit and overwrite are refused, and nothing is shown or changed", async (dir) => {
    await expectUntouchable(`${dir}/config`);
  });

  test.each(GIT_LOOKALIKES)("%j: writing a hook with create_dirs is refused and creates nothing", async (dir) => {
    const fresh = `nested/${dir}`;
    expect(await tools.errorCode("codex_write_file", { file_path: `${fresh}/hooks/pre-commit`, content: "#!/bin/sh\necho pwned\n", create_dirs: true })).toBe(
      "path_blocked",
    );
    expect(existsSync(join(root, fresh))).toBe(false);
    expect(await tools.errorCode("codex_write_file", { file_path: `${dir}/hooks/pre-commit`, content: "#!/bin/sh\necho pwned\n", create_dirs: true })).toBe(
      "path_blocked",
    );
    expect(existsSync(join(root, dir, "hooks"))).toBe(false);
  });
});

describe("a blocked file spelled another way", () => {
  test.each(BLOCKED_LOOKALIKES)("%j: read, edit and overwrite are refused, and nothing is shown or changed", async (file) => {
    await expectUntouchable(file);
  });

  test("a new file named like a blocked one is refused and not created", async () => {
    expect(await tools.errorCode("codex_write_file", { file_path: "app/.ENV.local", content: "A=1\n", create_dirs: true })).toBe("path_blocked");
    expect(existsSync(join(root, "app"))).toBe(false);
  });
});

describe("look-alikes elsewhere in the tools", () => {
  test("search with include_hidden returns no line of a look-alike that macOS would open as .git or a blocked file", async () => {
    const result = await tools.ok<{ matches: Array<{ path: string; text: string }> }>("codex_search_repo", { query: "LOOKALIKE-MARKER", include_hidden: true });
    // Windows' aliases are plain directories on Linux, and on Windows git never searches inside .git.
    expect(result.matches.map((match) => match.path).filter((path) => !WINDOWS_GIT.includes(path.split("/")[0]!))).toEqual([]);
  });

  test("ordinary names that only start like .git or hold a joiner still read and write", async () => {
    expect(await tools.ok("codex_read_file", { file_path: ".github/workflows/ci.yml" })).toMatchObject({ content: "on: push\n" });
    expect(await tools.ok("codex_read_file", { file_path: ".gitignore" })).toMatchObject({ content: "dist/\n" });
    expect(await tools.ok("codex_read_file", { file_path: "docs/\u{1F468}\u200d\u{1F4BB}.md" })).toMatchObject({ content: "emoji name\n" });
    await tools.ok("codex_write_file", { file_path: ".gitattributes", content: "* text=auto\n" });
    expect(readFileSync(join(root, ".gitattributes"), "utf8")).toBe("* text=auto\n");
  });
});

test("through the real binary: .GIT/config and .ENV are refused and their content never reaches the client", async () => {
  const client = await connectStdio("v1", {
    home: tempDir("patchbay-names-home-"),
    args: ["--standalone", "--root", root, "--direct-write", "--tool-mode", "full"],
  });
  try {
    for (const file of [".GIT/config", ".env\u200b", ".ENV"]) {
      const result = await client.callTool("codex_read_file", { file_path: file });
      expect(result.isError).toBe(true);
      expect(text(result)).not.toContain(marker(lookalikeFiles.indexOf(file)));
    }
    const write = await client.callTool("codex_write_file", { file_path: ".gIt/hooks/post-checkout", content: "echo pwned\n", create_dirs: true });
    expect(write.isError).toBe(true);
    expect(existsSync(join(root, ".gIt"))).toBe(false);
  } finally {
    await client.close();
  }
}, 30_000);
