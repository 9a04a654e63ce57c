/**
 * Issue #11, finding 12: a hard link inside the repository can be another name for a file outside
 * it (anyone who can write in the repository can make one to a file they can read). The workspace
 * tools refuse regular files with more than one link (`path_hardlink`): the outside file's content
 * never reaches the client, a diff or a context pack, and it is never changed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { linkSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WORKSPACE_TOOLS } from "../../src/workspace/tools/index.ts";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { toolHarness, type ToolHarness } from "../support/tools.ts";

const SECRET = "OUTSIDE-ONLY-CONTENT-7f3a";

let root: string;
let outsideFile: string;
let tools: ToolHarness;

beforeAll(async () => {
  root = makeGitRepo({ "README.md": "hello\n" }, { prefix: "patchbay-hardlink-" });
  outsideFile = join(tempDir("patchbay-hardlink-outside-"), "private.txt");
  writeFileSync(outsideFile, `${SECRET}\n`);
  linkSync(outsideFile, join(root, "notes.txt"));
  tools = await toolHarness(WORKSPACE_TOOLS, { roots: [root], power: { directWrite: true }, mode: "standard" });
});
afterAll(async () => {
  await tools.close();
  removeTempDirs();
});

const text = (result: unknown) => JSON.stringify(result);

describe("a file with a second hard link", () => {
  test("codex_read_file refuses it with path_hardlink and shows none of its content", async () => {
    const result = await tools.call("codex_read_file", { file_path: "notes.txt" });
    expect(result._meta?.["patchbay/error"]).toMatchObject({ code: "path_hardlink" });
    expect(text(result)).not.toContain(SECRET);
  });

  test("codex_edit_file and codex_write_file (overwrite) refuse it: no diff of its content, the outside file unchanged", async () => {
    const edit = await tools.call("codex_edit_file", { file_path: "notes.txt", old_text: SECRET, new_text: "changed" });
    expect(edit._meta?.["patchbay/error"]).toMatchObject({ code: "path_hardlink" });
    expect(text(edit)).not.toContain(SECRET);
    const write = await tools.call("codex_write_file", { file_path: "notes.txt", content: "replaced\n", overwrite: true });
    expect(write._meta?.["patchbay/error"]).toMatchObject({ code: "path_hardlink" });
    expect(text(write)).not.toContain(SECRET);
    expect(readFileSync(outsideFile, "utf8")).toBe(`${SECRET}\n`);
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe(`${SECRET}\n`);
  });

  test("a context pack skips it with path_hardlink and the written pack holds none of its content", async () => {
    const result = await tools.ok<{ file: string; skipped: string[] }>("codex_export_context", { name: "links", selected_paths: ["README.md", "notes.txt"] });
    expect(result.skipped).toEqual(["notes.txt: path_hardlink"]);
    const pack = readFileSync(join(root, result.file), "utf8");
    expect(pack).toContain("hello");
    expect(pack).not.toContain(SECRET);
  });

  test("codex_search_repo returns no line of it", async () => {
    const result = await tools.ok<{ matches: Array<{ path: string }> }>("codex_search_repo", { query: SECRET });
    expect(text(result)).not.toContain("notes.txt");
    expect(result.matches.map((match) => match.path)).toEqual([]);
  });

  test("a plain copy with one link reads and is found as usual", async () => {
    writeFileSync(join(root, "copy.txt"), `${SECRET}\n`);
    expect(await tools.ok("codex_read_file", { file_path: "copy.txt" })).toMatchObject({ content: `${SECRET}\n` });
    const found = await tools.ok<{ matches: Array<{ path: string }> }>("codex_search_repo", { query: SECRET });
    expect(found.matches.map((match) => match.path)).toEqual(["copy.txt"]);
  });
});

test("through the real binary: the linked file's content never reaches the client", async () => {
  const client = await connectStdio("v1", {
    home: tempDir("patchbay-hardlink-home-"),
    args: ["--standalone", "--root", root, "--direct-write", "--tool-mode", "full"],
  });
  try {
    const read = await client.callTool("codex_read_file", { file_path: "notes.txt" });
    expect(read.isError).toBe(true);
    expect(read._meta?.["patchbay/error"]).toMatchObject({ code: "path_hardlink" });
    expect(text(read)).not.toContain(SECRET);
    expect(readdirSync(join(outsideFile, ".."))).toEqual(["private.txt"]);
  } finally {
    await client.close();
  }
}, 30_000);
