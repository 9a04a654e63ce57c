import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type AgentEvent, type AgentTurn, mock, runAgent } from "../../src/agents/index.ts";
import { removeTempDirs, tempDir } from "./support.ts";

afterAll(removeTempDirs);

const repoRoot = join(import.meta.dir, "..", "..");

async function runMock(prompt: string, turn: Partial<AgentTurn> = {}, executable = process.execPath, timeoutMs = 20_000) {
  const events: AgentEvent[] = [];
  const cwd = tempDir();
  const outcome = await runAgent({
    adapter: mock,
    turn: { prompt, cwd, access: "write", scratchDir: join(tempDir(), "scratch"), ...turn },
    executable,
    env: { PATH: process.env.PATH ?? "" },
    timeoutMs,
    idleTimeoutMs: 20_000,
    killGraceMs: 300,
    onEvent: (event) => events.push(event),
  });
  return { outcome, events, cwd };
}

const block = (plan: unknown) => `Do this:\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\`\n`;

describe("mock agent through runAgent", () => {
  test("writes the file it is told to, reports it and its message", async () => {
    const { outcome, events, cwd } = await runMock(block({ write: { path: "sub/a.txt", content: "x" }, message: "done", session: "s1" }));
    expect(readFileSync(join(cwd, "sub", "a.txt"), "utf8")).toBe("x");
    expect(events.filter((event) => event.type !== "usage")).toEqual([
      { type: "session", sessionId: "s1" },
      { type: "file_change", path: join(cwd, "sub", "a.txt"), kind: "add" },
      { type: "message", text: "done" },
    ]);
    expect(outcome.result).toMatchObject({ status: "succeeded", sessionId: "s1", finalMessage: "done", usageCumulative: false });
    expect(outcome.endedBy).toBe("exit");
  });

  test("a plain prompt writes nothing and answers with its first line; the session is the one asked for", async () => {
    const { outcome } = await runMock("\n  Explain the repo\nmore", { newSessionId: "chosen" });
    expect(outcome.result).toMatchObject({ status: "succeeded", sessionId: "chosen", finalMessage: "mock: Explain the repo" });
  });

  test("fails on demand with the reason and exit 1", async () => {
    const { outcome } = await runMock(block({ fail: "model exploded" }));
    expect({ result: outcome.result, exit: outcome.exit }).toEqual({
      result: { status: "failed", sessionId: "mock-session", error: "model exploded" },
      exit: { code: 1, signal: null },
    });
  });

  test("read_only refuses writes with a warning, as a sandbox would", async () => {
    const { outcome, events, cwd } = await runMock(block({ write: { path: "a.txt", content: "x" } }), { access: "read_only" });
    expect(existsSync(join(cwd, "a.txt"))).toBe(false);
    expect(events).toContainEqual({ type: "error", message: "mock: refused to write a.txt: the turn is read-only", fatal: false });
    expect(outcome.result.status).toBe("succeeded");
  });

  test("sleep_ms past the time limit is stopped by the timeout", async () => {
    const { outcome } = await runMock(block({ sleep_ms: 10_000 }), {}, process.execPath, 800);
    expect({ endedBy: outcome.endedBy, error: outcome.result.error }).toEqual({ endedBy: "timeout", error: "stopped after 0.8 s (the turn's time limit)" });
  });

  test("an output schema parses the message as JSON", async () => {
    const { outcome } = await runMock(block({ message: { ok: true } }), { outputSchema: { type: "object" } });
    expect(outcome.result).toMatchObject({ status: "succeeded", finalMessage: '{"ok":true}', structured: { ok: true } });
  });

  const binary = join(repoRoot, "dist", "patchbay");
  test.skipIf(!existsSync(binary))("runs from the compiled binary too (BUN_BE_BUN=1)", async () => {
    const { outcome, cwd } = await runMock(block({ write: { path: "b.txt", content: "y" }, message: "binary" }), {}, binary);
    expect(outcome.result).toMatchObject({ status: "succeeded", finalMessage: "binary" });
    expect(readFileSync(join(cwd, "b.txt"), "utf8")).toBe("y");
  });
});
