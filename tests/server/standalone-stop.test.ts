/**
 * A host stops `patchbay stdio --standalone` by closing its stdin or by a signal (Codex CLI ends
 * it with one when its run ends), often right after the last answer. Either way the session stops
 * cleanly: the call's audit line is written (lines wait up to 100 ms to share an append), the state
 * directory is released so the next session starts at once, and the exit code is 0. A foreground
 * `patchbay start` whose terminal is closed (SIGHUP) stops as cleanly.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { makeGitRepo } from "../support/git-repo.ts";
import { until } from "../support/until.ts";
import { patchbayBinary, patchbayEnv, removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

/** A standalone session on `repo` that has answered one `codex_git_status` call. */
async function answeredOnce(home: string, repo: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(patchbayBinary(), ["stdio", "--standalone", "--root", repo], { env: patchbayEnv(home) });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const answerTo = async (id: number) => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the session ended before answering ${id}`);
      if ((JSON.parse(value) as { id?: number }).id === id) return;
    }
  };
  send({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
  await answerTo(0);
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "codex_git_status", arguments: {} } });
  await answerTo(1);
  return child;
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

describe("a standalone session stopped right after its last answer", () => {
  for (const [how, stop] of [
    ["stdin closed", (child: ChildProcessWithoutNullStreams) => child.stdin.end()],
    ["SIGTERM", (child: ChildProcessWithoutNullStreams) => child.kill("SIGTERM")],
    ["SIGINT", (child: ChildProcessWithoutNullStreams) => child.kill("SIGINT")],
  ] as const) {
    test(`${how}: exit 0, the call in the audit log, the state directory free for the next session`, async () => {
      const home = tempDir("pb-standalone-stop-");
      const repo = makeGitRepo({ "a.txt": "a\n" });
      const child = await answeredOnce(home, repo);
      const exited = exitOf(child);
      stop(child);
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(readFileSync(join(home, "logs", "audit.log"), "utf8")).toContain('"tool":"codex_git_status"');
      expect(existsSync(join(home, "run", "server.json"))).toBe(false);
      const next = await answeredOnce(home, repo);
      const nextExited = exitOf(next);
      next.stdin.end();
      expect(await nextExited).toEqual({ code: 0, signal: null });
    });
  }
});

test("a foreground server whose terminal is closed (SIGHUP) stops cleanly: exit 0, the state directory released", async () => {
  const home = tempDir("pb-foreground-hup-");
  const server = spawn(patchbayBinary(), ["start", "--foreground", "--no-http"], { env: patchbayEnv(home), stdio: ["ignore", "pipe", "pipe"] });
  const record = join(home, "run", "server.json");
  await until(() => existsSync(record) && (JSON.parse(readFileSync(record, "utf8")) as { pid: number }).pid === server.pid, "the server to own the state");
  const exited = new Promise((resolve) => server.once("exit", (code, signal) => resolve({ code, signal })));
  server.kill("SIGHUP");
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(existsSync(record)).toBe(false);
});
