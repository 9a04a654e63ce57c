/**
 * Red team, issue #16: a tracked file replaced by a FIFO (anyone who can write in the repository
 * can do it) must not hang codex_search_repo. git grep skips what is not a regular file; a
 * search that reads files in patchbay's own process must too, and never block in open() waiting
 * for a writer: that would hold the call for ever and, a few calls later, every thread that
 * serves file reads. Through the real binary and the SDK's stdio client, default settings.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SearchResult } from "../../src/workspace/search.ts";
import { connectStdio, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

test("a literal search over a tracked file now a FIFO answers with the other files' matches, and the server still reads files", async () => {
  const root = makeGitRepo({ "a.txt": "needle in a\n", "b.txt": "needle in b\n", "c.txt": "needle in c\n" });
  rmSync(join(root, "b.txt"));
  execFileSync("mkfifo", [join(root, "b.txt")]);
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root] });
  try {
    // Twice: the second call may be served from what the first one kept.
    for (let round = 0; round < 2; round++) {
      const result = await within(15_000, client.callTool("codex_search_repo", { query: "needle" }));
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as unknown as SearchResult).matches.map((match) => match.path)).toEqual(["a.txt", "c.txt"]);
    }
    const read = await within(15_000, client.callTool("codex_read_file", { file_path: "a.txt" }));
    expect(JSON.stringify(read.structuredContent)).toContain("needle in a");
  } finally {
    await client.close();
  }
}, 60_000);
