/**
 * Red team, issue #16: git itself waits without end on a `.git/HEAD` made a FIFO, so a read-only
 * tool that asks git hung with it, and every such call left one more git process waiting. Each git
 * call now has a bound (GIT_TIMEOUT_MS): the tool answers `git_timeout` naming what to check, git's
 * process group is gone, and the server goes on answering. Through the real binary and the SDK's
 * stdio client.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GIT_TIMEOUT_MS } from "../../src/workspace/git.ts";
import { connectStdio, type ToolResult, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

/** Pids of git processes working in `dir`, from /proc. */
function gitProcessesIn(dir: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "git" && readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test("a FIFO .git/HEAD: codex_git_status answers git_timeout within the bound, leaves no git process, and the server still answers", async () => {
  const root = makeGitRepo({ "a.txt": "still here\n" }, { prefix: "patchbay-git-fifo-" });
  rmSync(join(root, ".git", "HEAD"));
  execFileSync("mkfifo", [join(root, ".git", "HEAD")]);
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root] });
  try {
    const status = within(GIT_TIMEOUT_MS + 20_000, client.callTool("codex_git_status", {}));
    // git is the one waiting on the FIFO, in its own process.
    const waiting = await until(() => gitProcessesIn(root), "git to wait on the FIFO", { accept: (pids) => pids.length > 0, timeoutMs: 10_000 });

    const answer: ToolResult = await status;
    expect(answer.isError).toBe(true);
    expect((answer._meta?.["patchbay/error"] as { code?: string } | undefined)?.code).toBe("git_timeout");
    expect(JSON.stringify(answer.content)).toContain("FIFO");
    // The git that waited is gone, and no other git waits in the repository.
    expect(waiting.filter((pid) => readdirSync("/proc").includes(String(pid)))).toEqual([]);
    expect(gitProcessesIn(root)).toEqual([]);

    const read = await within(15_000, client.callTool("codex_read_file", { file_path: "a.txt" }));
    expect(JSON.stringify(read.structuredContent)).toContain("still here");
  } finally {
    await client.close();
  }
}, 120_000);
