/**
 * Red team, issue #16: codex_list_workspaces reads each root's HEAD on disk (head-file.ts) with
 * synchronous fs. A HEAD that is a FIFO (in `.git`, or in the git dir a `.git` file names) or a
 * link to /dev/zero, which anyone who can write in a root can make, must not stall the server:
 * a blocking open or an endless read on the event loop stops every call of every session. (git
 * itself, asked instead, waits on such a HEAD too; that wait is its own process's.) Through the
 * real binary and the SDK's stdio client.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

/** Lets a reader blocked on `fifo` go on (it reads an end of file); nothing when none waits. */
function releaseReader(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: no reader is waiting.
  }
}

test("HEADs that are FIFOs or a link to /dev/zero: while codex_list_workspaces looks at them, the server still answers other calls", async () => {
  const fifoHead = makeGitRepo({ "a.txt": "a\n" });
  rmSync(join(fifoHead, ".git", "HEAD"));
  execFileSync("mkfifo", [join(fifoHead, ".git", "HEAD")]);
  const pointed = tempDir("pb-head-pointed-");
  const gitDir = tempDir("pb-head-gitdir-");
  execFileSync("mkfifo", [join(gitDir, "HEAD")]);
  writeFileSync(join(pointed, ".git"), `gitdir: ${gitDir}\n`);
  const endless = makeGitRepo({ "a.txt": "a\n" });
  rmSync(join(endless, ".git", "HEAD"));
  symlinkSync("/dev/zero", join(endless, ".git", "HEAD"));
  const healthy = makeGitRepo({ "a.txt": "healthy\n" });
  const fifos = [join(fifoHead, ".git", "HEAD"), join(gitDir, "HEAD")];

  const roots = [healthy, fifoHead, pointed, endless];
  const args = ["--standalone", "--root", healthy, ...roots.slice(1).flatMap((root) => ["--allow-root", root])];
  const client = await connectStdio("v2-legacy", { home: tempDir(), args });
  let listed = false;
  const listing = client.callTool("codex_list_workspaces").finally(() => (listed = true));
  try {
    const read = await within(20_000, client.callTool("codex_read_file", { file_path: "a.txt" }));
    expect(JSON.stringify(read.structuredContent)).toContain("healthy");
    // Once the FIFOs give an end of file, the listing ends too: nothing waits on them any more.
    for (const deadline = Date.now() + 20_000; !listed && Date.now() < deadline; ) {
      for (const fifo of fifos) releaseReader(fifo);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const workspaces = (await within(1_000, listing)).structuredContent as { workspaces: Array<{ name: string; branch: string | null }> };
    expect(workspaces.workspaces.find((workspace) => workspace.name === healthy.split("/").pop())?.branch).toBe("main");
  } finally {
    for (const fifo of fifos) releaseReader(fifo);
    await client.close();
  }
}, 60_000);
