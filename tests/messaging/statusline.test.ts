/**
 * `patchbay msg status --statusline`, the command `mcp install claude --statusline` puts in
 * Claude Code's status line, through the compiled binary: the unread count with 0 and N messages,
 * nothing marked read, and never a failure (no server, an unknown agent).
 */
import { afterAll, expect, test } from "bun:test";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const statusLine = (home: string, agent: string) => runPatchbay(["msg", "status", "--statusline", "--as", agent], { home, timeoutMs: 30_000 });

test("the status line shows 0 and N unread messages without reading them, and never fails", async () => {
  const home = tempDir();
  for (const agent of ["alice", "bob"]) expect((await runPatchbay(["token", "add", "--namespace", "team", agent], { home })).code).toBe(0);

  const noServer = await statusLine(home, "alice@team");
  expect(noServer).toMatchObject({ code: 0, stdout: "patchbay alice@team: server not running\n", stderr: "" });

  const server = await startTestServer({ home });
  try {
    expect(await statusLine(home, "alice@team")).toMatchObject({ code: 0, stdout: "patchbay alice@team: no unread messages\n", stderr: "" });
    for (const text of ["one", "two"]) expect((await runPatchbay(["msg", "send", "--as", "bob@team", "alice", text], { home })).code).toBe(0);
    expect(await statusLine(home, "alice@team")).toMatchObject({ code: 0, stdout: "patchbay alice@team: 2 unread (from bob@team)\n", stderr: "" });
    const counted = await runPatchbay(["msg", "status", "--as", "alice@team", "--json"], { home });
    expect(JSON.parse(counted.stdout)).toEqual({ agent: "alice@team", server_running: true, unread: 2, from: ["bob@team"] });

    // Counting read nothing: the inbox still hands both over, and then the line says so.
    const inbox = await runPatchbay(["msg", "inbox", "--as", "alice@team", "--json"], { home });
    expect((JSON.parse(inbox.stdout) as { pending: Array<{ content: string }> }).pending.map((m) => m.content)).toEqual(["one", "two"]);
    expect((await statusLine(home, "alice@team")).stdout).toBe("patchbay alice@team: no unread messages\n");

    // An agent the server does not know: the status line stays empty and quiet; the plain command says why.
    expect(await statusLine(home, "nobody@team")).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const plain = await runPatchbay(["msg", "status", "--as", "nobody@team"], { home });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain("nobody@team");
  } finally {
    await server.stop();
  }
});

test("with the server stopped, status says unread messages cannot be counted, never that none wait; the inbox then hands them over", async () => {
  const home = tempDir();
  for (const agent of ["alice", "bob"]) expect((await runPatchbay(["token", "add", "--namespace", "team", agent], { home })).code).toBe(0);
  const server = await startTestServer({ home });
  try {
    const send = () => runPatchbay(["msg", "send", "--as", "bob@team", "--key", "k1", "alice", "kept"], { home });
    expect((await send()).code).toBe(0);
    // Sent again with the same key: said in the shell's words, and still one message.
    expect((await send()).stdout).toStartWith("Already sent (same --key) to alice@team");
  } finally {
    await server.stop();
  }
  const status = await runPatchbay(["msg", "status", "--as", "alice@team", "--json"], { home });
  expect(JSON.parse(status.stdout)).toEqual({ agent: "alice@team", server_running: false, unread: null, from: [] });
  expect((await runPatchbay(["msg", "status", "--as", "alice@team"], { home })).stdout).toContain("unread messages cannot be counted");
  try {
    const inbox = await runPatchbay(["msg", "inbox", "--as", "alice@team", "--json"], { home, timeoutMs: 60_000 });
    expect((JSON.parse(inbox.stdout) as { pending: Array<{ content: string }> }).pending.map((m) => m.content)).toEqual(["kept"]);
  } finally {
    await runPatchbay(["stop"], { home });
  }
}, 90_000);
