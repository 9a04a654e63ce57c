/**
 * A remote caller's results name the session's folders relative to its default root wherever a
 * folder's path begins: at the start of a text, after a space, a quote, a bracket, "=" or ":",
 * on the next line; under its configured (symlinked) spelling and its real one. Text whose every
 * slash sits inside a word, a dotted name or a relative path ("src/a.ts", "../x", ".ai/p.toml")
 * is left as it is (issue #16: such text no longer has the folders resolved for it), and the
 * private branch names go whatever else the text holds.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { hideLocalDetails, localRewrites } from "../../src/mcp/local-details.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const base = realpathSync(tempDir("pb-local-bounds-"));
const real = join(base, "repo");
const linked = join(base, "repo-link");
const home = join(base, "home");
mkdirSync(real);
mkdirSync(home);
symlinkSync(real, linked);
const session = { scope: { defaultRoot: linked, allowedRoots: [linked], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } } };

/** The texts as a remote caller gets them, in a result's text and structured content alike. */
function seenRemotely(texts: string[]): string[] {
  const raw: CallToolResult = { content: texts.map((text) => ({ type: "text" as const, text })), structuredContent: { texts } };
  const { result } = hideLocalDetails(raw, () => localRewrites(session, home, raw));
  const structured = (result.structuredContent as { texts: string[] }).texts;
  expect(result.content.map((item) => (item as { text: string }).text)).toEqual(structured);
  return structured;
}

test("a folder's path is rewritten wherever a path can begin, under either spelling", () => {
  const starts = ["", " ", "(", "[", "=", ":", '"', "'", "`", ",", "\n", "\t", "<"];
  for (const folder of [real, linked]) {
    // One path per text: a text passes only by its own path's rewrite.
    expect(seenRemotely(starts.map((start) => `${start}${folder}/src/a.ts`))).toEqual(starts.map((start) => `${start}src/a.ts`));
    expect(seenRemotely(starts.map((start) => `${start}${folder}`))).toEqual(starts.map((start) => `${start}.`));
  }
  expect(seenRemotely([`logs in ${home}/logs/audit.log`])).toEqual(["logs in $PATCHBAY_HOME/logs/audit.log"]);
});

test("a folder's path that ends a sentence is rewritten too, and the full stop stays one", () => {
  for (const folder of [real, linked]) {
    expect(seenRemotely([`Worker w is running in ${folder}.`, `Worker w is running in ${folder}.\nNext line.`])).toEqual([
      "Worker w is running in the repository.",
      "Worker w is running in the repository.\nNext line.",
    ]);
    expect(seenRemotely([`wrote ${folder}/a.txt.`])).toEqual(["wrote a.txt."]);
  }
  expect(seenRemotely([`worktree ${home}/worktrees/jobs/j1.`])).toEqual(["worktree $PATCHBAY_HOME/worktrees/jobs/j1."]);
  // A name that merely starts like the folder is another folder: left as it is.
  expect(seenRemotely([`in ${real}.old/x`])).toEqual([`in ${real}.old/x`]);
});

test("a job's worktree in patchbay's home, named as its repository, reads as $PATCHBAY_HOME, not as a climb out of the repository", () => {
  const worktree = join(home, "worktrees", "jobs", "j1");
  mkdirSync(worktree, { recursive: true });
  const raw: CallToolResult = { content: [{ type: "text", text: `job j1 in ${worktree}.` }], structuredContent: { repo: real, cwd: worktree } };
  const { result } = hideLocalDetails(raw, () => localRewrites(session, home, raw));
  expect((result.content[0] as { text: string }).text).toBe("job j1 in $PATCHBAY_HOME/worktrees/jobs/j1.");
  expect(result.structuredContent).toEqual({ repo: ".", cwd: "$PATCHBAY_HOME/worktrees/jobs/j1" });
});

test("text whose slashes cannot begin a folder comes back as it was; a private branch goes anyway", () => {
  const relativeOnly = ["src/a.ts:3: export const x = 1;", 'import { y } from "../shared/y.ts";', "with .ai/patchbay.toml", "a/b and c/d"];
  expect(seenRemotely(relativeOnly)).toEqual(relativeOnly);
  expect(seenRemotely(["merged patchbay/worker-alpha into main"])).toEqual(["merged [private branch] into main"]);
  expect(seenRemotely([`on patchbay/job-123 in ${real}/b.ts`])).toEqual(["on [private branch] in b.ts"]);
});
