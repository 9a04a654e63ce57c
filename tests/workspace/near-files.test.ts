/**
 * A read, an edit, a diff, a tree or a search of a path that does not exist names the repository's
 * files or folders near it, so a model's next call reads the right one: checked by reading what the
 * refusal names. A blocked file is never named, however near, and a path like nothing in the
 * repository gets no guess.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ALL_TOOLS } from "../../src/app/index.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";

const harnesses = harnessSet(ALL_TOOLS);
let h: ToolHarness;

beforeAll(async () => {
  const repo = makeGitRepo({
    "src/utils.ts": "export const utils = 1;\n",
    "src/app.ts": "export const app = 1;\n",
    "lib/config.json": "{}\n",
    ".env.local": "TOKEN=hunter2\n",
    "certs/server.pem": "-----BEGIN CERTIFICATE-----\n",
  });
  h = await harnesses.open(repo, { power: { directWrite: true }, mode: "standard" });
});
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

/** The not_found refusal's text for `tool` on `file_path`, and the files it names as near. */
async function refusedNear(tool: string, args: Record<string, unknown>): Promise<{ text: string; near: string[] }> {
  const result = await h.call(tool, args);
  expect(result._meta?.["patchbay/error"]).toMatchObject({ code: "not_found" });
  const text = result.content.map((block) => ("text" in block ? block.text : "")).join("");
  const near = /; near it: ([^.]+(?:\.[a-z]+)*(?:, [^.]+(?:\.[a-z]+)*)*)\. Next:/.exec(text)?.[1]?.split(", ") ?? [];
  return { text, near };
}

describe("a path that does not exist", () => {
  test("a near spelling, another extension and another folder each name the file meant, which then reads", async () => {
    for (const [asked, meant] of [
      ["src/util.ts", "src/utils.ts"],
      ["src/app.js", "src/app.ts"],
      ["config.json", "lib/config.json"],
    ] as const) {
      const { near } = await refusedNear("codex_read_file", { file_path: asked });
      expect({ asked, first: near[0] }).toEqual({ asked, first: meant });
      expect(await h.ok<{ content: string }>("codex_read_file", { file_path: near[0] })).toMatchObject({ content: expect.any(String) });
    }
  });

  test("a tree or a search of a folder that does not exist names the folder meant, which then answers", async () => {
    const tree = await refusedNear("codex_repo_tree", { path: "sr" });
    expect(tree.near).toEqual(["src"]);
    expect(JSON.stringify(await h.ok("codex_repo_tree", { path: tree.near[0] }))).toContain("utils.ts");
    const search = await refusedNear("codex_search_repo", { query: "{}", path: "lbi" });
    expect(search.near).toEqual(["lib"]);
    expect(await h.ok<{ matches: unknown[] }>("codex_search_repo", { query: "{}", path: search.near[0] })).toMatchObject({ matches: [expect.anything()] });
  });

  test("a diff of a path that is not there is refused naming the near file, not answered as unchanged; a deleted file still shows", async () => {
    const { near } = await refusedNear("codex_git_diff", { file_path: "src/util.ts" });
    expect(near).toEqual(["src/utils.ts"]);
    expect(await h.ok<{ file_path: string; files: unknown[] }>("codex_git_diff", { file_path: near[0] })).toMatchObject({
      file_path: "src/utils.ts",
      files: [],
    });
    const deleted = makeGitRepo({ "gone.txt": "bye\n", "kept.txt": "hi\n" });
    git(deleted, "rm", "-q", "gone.txt");
    const other = await harnesses.open(deleted);
    const diff = await other.ok<{ diff: string }>("codex_git_diff", { file_path: "gone.txt", staged: true });
    expect(diff.diff).toContain("deleted file mode");
    // A file gone from the work tree but not from the index is known: its staged diff is empty, not refused.
    rmSync(join(deleted, "kept.txt"));
    expect(await other.ok<{ files: unknown[] }>("codex_git_diff", { file_path: "kept.txt", staged: true })).toMatchObject({ files: [] });
    // codex_show_changes says the same, with or without its diff.
    expect((await refusedNear("codex_show_changes", { file_path: "src/util.ts", include_diff: false })).near).toEqual(["src/utils.ts"]);
    expect(await other.ok<{ status: { short: string[] } }>("codex_show_changes", { file_path: "gone.txt", include_diff: false })).toMatchObject({
      status: { short: [expect.stringContaining("gone.txt")] },
    });
  });

  test("an edit of a missing file names the near one too, and nothing is written", async () => {
    const { near } = await refusedNear("codex_edit_file", { file_path: "src/utills.ts", old_text: "1", new_text: "2" });
    expect(near).toEqual(["src/utils.ts"]);
    expect(await h.ok<{ content: string }>("codex_read_file", { file_path: "src/utils.ts" })).toMatchObject({ content: "export const utils = 1;\n" });
  });

  test("a blocked file is never named, however near; a path like nothing gets no guess", async () => {
    for (const asked of ["env.local", "certs/server.pm", "certs/server.crt"]) {
      const { text } = await refusedNear("codex_read_file", { file_path: asked });
      expect({ asked, text }).toEqual({ asked, text: expect.not.stringMatching(/\.env\.local|server\.pem|hunter2/) });
    }
    const { text, near } = await refusedNear("codex_read_file", { file_path: "nothing/like/this.xyz" });
    expect(near).toEqual([]);
    expect(text).not.toContain("near it");
  });
});
