/**
 * A literal search keeps what it learns about a repository (its file list and the files git grep
 * would read) for the next one. A search the caller gave up on (a cancelled tool call) must not
 * leave its failure there: the next search of the same repository answers as if it never ran.
 */
import { afterAll, expect, test } from "bun:test";
import { findGitRepo } from "../../src/workspace/git-repo.ts";
import { gitFileList } from "../../src/workspace/file-list.ts";
import { searchRepo } from "../../src/workspace/search.ts";
import { workspaceIn } from "../../src/workspace/workspace.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";

afterAll(() => removeTempDirs());

test("a search after a cancelled one still finds the lines", async () => {
  const root = makeGitRepo({ "a.txt": "needle here\n", "b.txt": "nothing\n" });
  const scope = { defaultRoot: root, allowedRoots: [root], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } };
  const ws = await workspaceIn(scope, []);
  // What an earlier call already learned: the repository and its file list are known, so the
  // cancelled search gets as far as asking git which files it would read.
  await findGitRepo(ws.root);
  await gitFileList(ws.root);
  const cancelled = new AbortController();
  cancelled.abort();
  await searchRepo(ws, { query: "needle", signal: cancelled.signal }).catch(() => undefined);

  const found = await searchRepo(ws, { query: "needle" });
  expect(found.matches).toEqual([{ path: "a.txt", line: 1, text: "needle here" }]);
});
