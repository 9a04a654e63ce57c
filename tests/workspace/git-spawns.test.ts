/**
 * Issue #16: codex_git_status starts one git process per call (`git status`), not a `rev-parse`
 * first: which repository a root belongs to is remembered while the `.git` entries that decided it
 * stay the same. A literal codex_search_repo on a small repository starts none: git's file list
 * is kept and the files are read in process. Counted through the compiled binary with a `git` on
 * PATH that logs each start; the answers stay git's when the repository changes under a running
 * server. A worker list starts none for read-only workers (nothing to compare) nor, after the first
 * look, for a worker between turns in its worktree (its snapshot is kept, HEAD is read from disk).
 */
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { mockPrompt } from "../jobs/support.ts";
import { loggingGit } from "../support/logging-git.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

test("codex_git_status starts one git per call, and follows a repository created, nested or removed under it", async () => {
  const top = makeGitRepo({ "pkg/app/inside.txt": "i\n", "outside.txt": "o\n" });
  const root = join(top, "pkg/app");
  writeFiles(top, { "pkg/app/inside.txt": "changed\n", "outside.txt": "changed\n" });
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  try {
    const status = async () => (await client.callTool("codex_git_status")).structuredContent;
    expect(await status()).toMatchObject({ branch: "main", short: [" M inside.txt"] });
    const before = gitLog.started().length;
    for (let call = 0; call < 3; call++) expect(await status()).toMatchObject({ branch: "main", short: [" M inside.txt"] });
    expect(gitLog.started().slice(before)).toEqual(["status", "status", "status"]);

    // The root becomes a repository of its own: git's answer for it now, not the remembered top.
    git(root, "init", "-q", "-b", "nested");
    expect(await status()).toMatchObject({ branch: "nested", short: ["?? inside.txt"] });

    rmSync(join(root, ".git"), { recursive: true });
    expect(await status()).toMatchObject({ branch: "main", short: [" M inside.txt"] });

    rmSync(join(top, ".git"), { recursive: true });
    const gone = await client.callTool("codex_git_status");
    expect(gone.isError).toBe(true);
    expect(JSON.stringify(gone.content)).toContain("is not inside a git repository");
  } finally {
    await client.close();
  }
});

test("a literal codex_search_repo on a small repository starts no git once the file list is known, and sees a new file", async () => {
  const root = makeGitRepo({ "a.ts": "const needle = 1;\n", "b.ts": "nothing\n" });
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  try {
    const found = async () => (await client.callTool("codex_search_repo", { query: "needle" })).structuredContent as { matches: Array<{ path: string }> };
    expect((await found()).matches.map((match) => match.path)).toEqual(["a.ts"]);
    const before = gitLog.started().length;
    for (let call = 0; call < 3; call++) expect((await found()).matches.map((match) => match.path)).toEqual(["a.ts"]);
    expect(gitLog.started().slice(before)).toEqual([]);

    writeFiles(root, { "c.ts": "needle again\n" });
    expect((await found()).matches.map((match) => match.path)).toEqual(["a.ts", "c.ts"]);
  } finally {
    await client.close();
  }
});

test("codex_worker_list starts no git for read-only workers, nor for a worker resting in its worktree once its changes are known", async () => {
  const root = makeGitRepo({ "a.txt": "a\n" });
  const gitLog = loggingGit();
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env: { PATH: gitLog.path } });
  try {
    const brief = (path: string) => mockPrompt({ write: { path, content: "w\n" }, message: `wrote ${path}` });
    expect(
      (await client.callTool("codex_worker_start", { name: "reader", brief: mockPrompt({ message: "read" }), agent: "mock", workspace_mode: "read_only" }))
        .isError,
    ).toBeFalsy();
    await client.callTool("codex_worker_inspect", { worker: "reader", view: "status", wait_seconds: 30 });
    const listed = async () => (await client.callTool("codex_worker_list")).structuredContent as { workers: Array<{ name: string }>; conflicts: unknown[] };
    const before = gitLog.started().length;
    for (let call = 0; call < 3; call++) expect((await listed()).workers.map((worker) => worker.name)).toEqual(["reader"]);
    expect(gitLog.started().slice(before)).toEqual([]);

    expect((await client.callTool("codex_worker_start", { name: "writer", brief: brief("w.txt"), agent: "mock" })).isError).toBeFalsy();
    await client.callTool("codex_worker_inspect", { worker: "writer", view: "status", wait_seconds: 30 });
    // The resting worker's snapshot is taken once; later lists read HEAD from disk and start no git.
    expect((await listed()).conflicts).toMatchObject([{ worker: "writer", files: ["w.txt"] }]);
    const compared = gitLog.started().length;
    for (let call = 0; call < 3; call++) expect((await listed()).conflicts).toMatchObject([{ worker: "writer", files: ["w.txt"] }]);
    expect(gitLog.started().slice(compared)).toEqual([]);
  } finally {
    await client.close();
  }
});
