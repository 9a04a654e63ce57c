/**
 * Finding 11 (start): a second `patchbay start` only adds a port to the running server, which
 * keeps its own tool mode, roots and power switches. Through the real binary: conflicting power
 * flags are refused with exit 3 and the stop-first step (no port added), and a plain second
 * start prints what the running server really uses.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { createServer } from "node:net";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer } from "../support/patchbay.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(removeTempDirs);

/** A free loopback port: `--port 0` would name the port the server already serves. */
function freePort(): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(String(port)));
    });
  });
}

async function listeners(home: string): Promise<string[]> {
  const status = await runPatchbay(["status", "--json"], { home });
  return (JSON.parse(status.stdout) as { http: string[] }).http;
}

test.each([
  [["--power", "full"], "direct_write: asked true, the server uses false"],
  [["--bash-mode", "full"], 'bash_mode: asked "full", the server uses "off"'],
  [["--tool-mode", "full"], 'tool_mode: asked "full", the server uses "worker"'],
])("a second start with %p is refused with exit 3, the stop-first step, and no port added", async (flags, conflict) => {
  server = await startTestServer();
  const before = await listeners(server.home);
  const second = await runPatchbay(["start", "--port", await freePort(), "--json", ...flags], { home: server.home, timeoutMs: 15_000 });
  expect(second.code).toBe(3);
  const answer = JSON.parse(second.stdout) as { ok: boolean; error: { code: string; next: string; details: { conflicts: string[] } } };
  expect(answer).toMatchObject({ ok: false, error: { code: "state_owned", next: expect.stringContaining("patchbay stop") } });
  expect(answer.error.details.conflicts).toContain(conflict);
  expect(await listeners(server.home)).toEqual(before);
});

test("a plain second start adds a port and prints the running server's tool mode and power switches, not its own", async () => {
  server = await startTestServer({ args: ["--tool-mode", "standard", "--direct-write", "--bash-mode", "safe"] });
  const second = await runPatchbay(["start", "--port", await freePort(), "--json"], { home: server.home, timeoutMs: 15_000 });
  expect(second.code).toBe(0);
  const { setup_guide: guide } = JSON.parse(second.stdout) as { setup_guide: { tool_mode: string; power_tools: Record<string, unknown>; server_url: string } };
  expect(guide.tool_mode).toBe("standard");
  expect(guide.power_tools).toMatchObject({ direct_write: true, bash_mode: "safe", codex_session_read: false });
  expect(await listeners(server.home)).toContain(guide.server_url);
  // Asking again for exactly what the server uses is no conflict.
  const same = await runPatchbay(["start", "--port", await freePort(), "--json", "--direct-write"], { home: server.home, timeoutMs: 15_000 });
  expect(same.code).toBe(0);
});
