/**
 * codex_worker_inbox import_file with source_path copied the file by path after the guard: a hard
 * link to an outside secret was imported (and readable through inspect), and a FIFO hung the call.
 * The import now reads through the guarded read; the effect checked is what the inbox holds.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { linkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { workerHarnesses } from "../workers/support.ts";

const harnesses = workerHarnesses();
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const SECRET = "OUTSIDE-INBOX-SECRET-41c9";

test("a hard link to an outside file is not imported, and the inbox stays empty", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const outside = join(tempDir("patchbay-outside-"), "secret.txt");
  writeFileSync(outside, `${SECRET}\n`);
  linkSync(outside, join(repo, "notes.txt"));
  const h = await harnesses.open(repo);
  const result = await h.call("codex_worker_inbox", { action: "import_file", source_path: "notes.txt" });
  expect(result.isError).toBe(true);
  expect(JSON.stringify(result)).not.toContain(SECRET);
  expect((await h.ok<{ artifacts: unknown[] }>("codex_worker_inbox", { action: "list" })).artifacts).toEqual([]);
});

test("a FIFO in the repository is refused at once instead of hanging the import", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  execFileSync("mkfifo", [join(repo, "pipe.txt")]);
  const h = await harnesses.open(repo);
  // Nothing ever opens the FIFO for writing: a blocking open would never return.
  const result = await h.call("codex_worker_inbox", { action: "import_file", source_path: "pipe.txt" });
  expect(result.isError).toBe(true);
  expect((await h.ok<{ artifacts: unknown[] }>("codex_worker_inbox", { action: "list" })).artifacts).toEqual([]);
});
