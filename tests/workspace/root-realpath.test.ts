/**
 * The allowed roots' real paths are kept between calls (src/runtime/kept-realpath.ts). Whatever
 * happens to a root between two calls, the next call reads where the configured path leads now,
 * never where it led before: a re-pointed symlink, a directory replaced by a symlink, a moved ancestor.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { toolHarness } from "../support/tools.ts";

afterAll(() => removeTempDirs());

/** A directory holding `notes.txt` with `text`. */
function repoWith(parent: string, name: string, text: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "notes.txt"), text);
  return dir;
}

async function readNotes(tools: Awaited<ReturnType<typeof toolHarness>>): Promise<string> {
  const slice = await tools.ok<{ content: string }>("codex_read_file", { file_path: "notes.txt" });
  return slice.content;
}

test("a symlinked root re-pointed between calls: the next read comes from the new target", async () => {
  const base = tempDir("patchbay-root-cache-");
  repoWith(base, "first", "first repository\n");
  repoWith(base, "second", "second repository\n");
  const link = join(base, "current");
  symlinkSync(join(base, "first"), link);
  const tools = await toolHarness(FILE_TOOLS, { roots: [link] });
  try {
    expect(await readNotes(tools)).toBe("first repository\n");
    unlinkSync(link);
    symlinkSync(join(base, "second"), link);
    expect(await readNotes(tools)).toBe("second repository\n");
  } finally {
    await tools.close();
  }
});

test("a root directory replaced by a symlink: the next read follows the symlink as a fresh start would", async () => {
  const base = tempDir("patchbay-root-cache-");
  const root = repoWith(base, "repo", "directory\n");
  const elsewhere = repoWith(base, "elsewhere", "through the link\n");
  const tools = await toolHarness(FILE_TOOLS, { roots: [root] });
  try {
    expect(await readNotes(tools)).toBe("directory\n");
    rmSync(root, { recursive: true });
    symlinkSync(elsewhere, root);
    expect(await readNotes(tools)).toBe("through the link\n");
  } finally {
    await tools.close();
  }
});

test("an ancestor moved and replaced by a symlink: reads outside the new place are refused, and reads resume", async () => {
  const base = tempDir("patchbay-root-cache-");
  const root = repoWith(join(base, "srv"), "repo", "kept\n");
  const tools = await toolHarness(FILE_TOOLS, { roots: [root] });
  try {
    expect(await readNotes(tools)).toBe("kept\n");
    renameSync(join(base, "srv"), join(base, "opt"));
    symlinkSync(join(base, "opt"), join(base, "srv"));
    // The kept real path (…/srv/repo) names the same directory but is no longer canonical: a read
    // may be refused for a moment, but it never shows anything but the repository's own file.
    const content = await until(
      async () => {
        const result = await tools.call("codex_read_file", { file_path: "notes.txt" });
        if (!result.isError) return (result.structuredContent as { content: string }).content;
        expect(JSON.stringify(result._meta?.["patchbay/error"])).toContain("path_outside_roots");
        return undefined;
      },
      "the read to be answered again",
      { accept: (read) => read !== undefined, timeoutMs: 10_000 },
    );
    expect(content).toBe("kept\n");
  } finally {
    await tools.close();
  }
});
