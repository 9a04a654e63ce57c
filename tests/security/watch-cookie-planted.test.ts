/**
 * Red team, issue #16: the tree watch writes its synchronization cookie at every question, at a
 * path anyone who can write `.git` can read off a directory listing
 * (`.git/patchbay-watch-cookie-<pid>-<turn>`). Something planted there in its place must not be
 * written through: a hard link to a file outside the roots (O_NOFOLLOW stops only a symlink) was
 * truncated, and a FIFO opened for writing blocked the server's one event loop until a reader
 * came. Through the real binary and the SDK's HTTP client.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { linkSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, type TestClient, within } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, type TestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

async function shortStatus(client: TestClient): Promise<string[]> {
  const answer = await within(20_000, client.callTool("codex_git_status"));
  return (answer.structuredContent as { short: string[] }).short;
}

/** The two cookie paths the server's watch of `root` takes turns writing, as a listing of `.git` shows them once it runs. */
const cookiePaths = (root: string, server: TestServer) => [0, 1].map((turn) => join(root, ".git", `patchbay-watch-cookie-${server.process.pid}-${turn}`));

/** The server's first status question starts the watch of `root`, whose cookies it then writes. */
async function serverOn(root: string): Promise<{ server: TestServer; client: TestClient }> {
  const server = await startTestServer({ args: ["--root", root] });
  return { server, client: await connectHttp("v2-legacy", server.url) };
}

async function end(server: TestServer, client: TestClient): Promise<void> {
  // A wedged event loop answers neither the client's close nor SIGTERM.
  if (server.process.exitCode === null) server.process.kill("SIGKILL");
  await client.close().catch(() => undefined);
}

test("a hard link planted at the cookie's path leaves the file it links untouched, and status still answers as git", async () => {
  const root = makeGitRepo({ "a.txt": "aaaa\n" });
  const victim = join(tempDir("patchbay-victim-"), "notes.txt");
  writeFileSync(victim, "the user's file\n");
  const { server, client } = await serverOn(root);
  try {
    for (const path of cookiePaths(root, server)) linkSync(victim, path);
    // Enough questions for the watch to start and write each cookie.
    for (let question = 0; question < 4; question++) expect(await shortStatus(client)).toEqual([]);
    expect(readFileSync(victim, "utf8")).toBe("the user's file\n");
    writeFileSync(join(root, "a.txt"), "bbbb\n");
    expect(await shortStatus(client)).toEqual([" M a.txt"]);
    expect(readFileSync(victim, "utf8")).toBe("the user's file\n");
  } finally {
    await end(server, client);
  }
}, 90_000);

test("a FIFO planted at the cookie's paths does not stall the server: status answers as git, and so does the next tool", async () => {
  const root = makeGitRepo({ "a.txt": "aaaa\n" });
  const { server, client } = await serverOn(root);
  try {
    for (const path of cookiePaths(root, server)) execFileSync("mkfifo", [path]);
    expect(await shortStatus(client)).toEqual([]);
    writeFileSync(join(root, "a.txt"), "bbbb\n");
    expect(await shortStatus(client)).toEqual([" M a.txt"]);
    expect(await shortStatus(client)).toEqual([" M a.txt"]);
    const read = await within(20_000, client.callTool("codex_read_file", { file_path: "a.txt" }));
    expect(JSON.stringify(read.structuredContent)).toContain("bbbb");
  } finally {
    await end(server, client);
  }
}, 90_000);
