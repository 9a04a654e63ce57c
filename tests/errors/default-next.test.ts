/**
 * An error whose throw site names no next step shows its code's default from ERROR_CODES, on both
 * faces: the compiled binary's CLI and a real MCP client. The refusal used: a worker's file that
 * does not exist (`not_found`, thrown without a next step of its own).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ERROR_CODES } from "../../src/errors/index.ts";
import { mockPrompt } from "../jobs/support.ts";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

const home = tempDir("patchbay-default-next-");
afterAll(async () => {
  // The background server the CLI started is stopped.
  await runPatchbay(["stop"], { home }).catch(() => {});
  removeTempDirs();
});

const NOT_FOUND_NEXT = ERROR_CODES.not_found.next!;

describe("the table's default next step", () => {
  test("a missing worker file: the CLI prints the default next step, and an MCP client reads it in the text and the error's _meta", async () => {
    expect(NOT_FOUND_NEXT).toBeTruthy();
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const started = await runPatchbay(["worker", "start", "w", mockPrompt({ message: "done" }), "--agent", "mock", "--wait", "--repo", repo], {
      home,
      timeoutMs: 60_000,
    });
    expect(started.code, started.stderr).toBe(0);

    const cli = await runPatchbay(["worker", "inspect", "w", "--view", "file", "--file", "missing.txt", "--repo", repo], { home, timeoutMs: 60_000 });
    expect(cli.code, cli.stdout + cli.stderr).toBe(1);
    expect(cli.stderr).toBe(`patchbay: missing.txt does not exist in w's worktree\n  next: ${NOT_FOUND_NEXT}\n`);

    const client = await connectStdio("v2-modern", { home, args: ["--root", repo] });
    try {
      const result = await client.callTool("codex_worker_inspect", { worker: "w", view: "file", file_path: "missing.txt", repo_path: repo });
      expect(result.isError).toBe(true);
      expect(result.content?.[0]?.text).toBe(`[not_found] missing.txt does not exist in w's worktree. Next: ${NOT_FOUND_NEXT}`);
      expect(result._meta?.["patchbay/error"]).toMatchObject({ code: "not_found", next: NOT_FOUND_NEXT });
    } finally {
      await client.close();
    }
  }, 120_000);
});
