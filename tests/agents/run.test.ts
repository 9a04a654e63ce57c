import { isProcessAlive } from "../../src/state/index.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type AgentEvent, type AgentTurn, customAgent, type RunOptions, runAgent } from "../../src/agents/index.ts";
import { PatchbayError } from "../../src/errors/index.ts";
import { fixtures, removeTempDirs, tempDir, gone } from "./support.ts";

afterAll(removeTempDirs);

const script = (name: string) => join(fixtures, "scripts", name);

/** A custom agent that runs one fixture script with the test's own runtime. */
function scriptAgent(name: string, output_contract: "text" | "jsonl" = "jsonl") {
  return customAgent("fixture", {
    command: process.execPath,
    args: [script(name), "{{cwd}}"],
    prompt_mode: "stdin",
    output_contract,
    env: { PB_EXTRA: "from-config" },
  });
}

function options(name: string, overrides: Partial<RunOptions> = {}, turn: Partial<AgentTurn> = {}): RunOptions & { events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const scratchDir = join(tempDir(), "scratch");
  return {
    adapter: scriptAgent(name),
    turn: { prompt: "hello prompt", cwd: tempDir(), access: "write", scratchDir, ...turn },
    executable: process.execPath,
    env: { PATH: process.env.PATH ?? "" },
    timeoutMs: 20_000,
    idleTimeoutMs: 20_000,
    killGraceMs: 300,
    onEvent: (event) => events.push(event),
    events,
    ...overrides,
  };
}

function grandchildPid(events: AgentEvent[]): number {
  const line = events.find((event) => event.type === "raw" && event.line.includes("grandchild"));
  if (line?.type !== "raw") throw new Error("the fixture did not report its grandchild");
  return (JSON.parse(line.line) as { grandchild: number }).grandchild;
}

describe("runAgent", () => {
  test("writes the prompt to stdin and closes it, sets TMPDIR to the scratch dir, merges env, runs in cwd", async () => {
    const run = options("echo-env.mjs");
    const chunks: string[] = [];
    let spawned: number | undefined;
    const outcome = await runAgent({ ...run, onOutput: (stream, chunk) => chunks.push(`${stream}:${chunk}`), onSpawn: (pid) => (spawned = pid) });
    const report = JSON.parse((run.events[0] as { line: string }).line);
    expect(report).toEqual({ stdin: "hello prompt", tmpdir: run.turn.scratchDir, cwd: run.turn.cwd, extra: "from-config", argv: [run.turn.cwd] });
    expect(outcome).toEqual({ result: { status: "succeeded" }, exit: { code: 0, signal: null }, endedBy: "exit", pid: spawned });
    expect(chunks).toContain("stderr:a note on stderr\n");
  });

  test("splits lines across chunks, drops CR and blank lines, parses a last line without newline", async () => {
    const run = options("partial.mjs");
    const outcome = await runAgent(run);
    expect(run.events).toEqual(['{"text":"one"}', '{"text":"two"}', '{"text":"three"}'].map((line) => ({ type: "raw", line })));
    expect(outcome.result).toEqual({ status: "succeeded", finalMessage: "three" });
  });

  test("the wall-clock timeout ends the whole group, a grandchild that ignores SIGTERM included", async () => {
    const run = options("grandchild.mjs", { timeoutMs: 1000 });
    const outcome = await runAgent(run);
    expect(outcome.endedBy).toBe("timeout");
    expect(outcome.result).toEqual({ status: "failed", error: "stopped after 1 s (the turn's time limit)" });
    expect(outcome.exit).toEqual({ code: null, signal: "SIGKILL" });
    expect(await gone(grandchildPid(run.events))).toBe(true);
    expect(isProcessAlive(outcome.pid ?? 0)).toBe(false);
  });

  test("an agent that exits leaving a grandchild on its stdout: the turn ends, the grandchild with it", async () => {
    const run = options("leaves-grandchild.mjs", { killGraceMs: 300 });
    const outcome = await runAgent(run);
    expect({ endedBy: outcome.endedBy, exit: outcome.exit, result: outcome.result }).toEqual({
      endedBy: "exit",
      exit: { code: 0, signal: null },
      result: { status: "succeeded", finalMessage: "done" },
    });
    expect(await gone(grandchildPid(run.events))).toBe(true);
  });

  test("the idle timeout fires after silence, not while output flows", async () => {
    const quiet = options("quiet.mjs", { idleTimeoutMs: 500 });
    const outcome = await runAgent(quiet);
    expect({ endedBy: outcome.endedBy, result: outcome.result }).toEqual({
      endedBy: "idle_timeout",
      result: { status: "failed", error: "stopped after 0.5 s without output" },
    });

    // A line every 50 ms outlasts two idle windows: only its lines kept the idle timeout away. The
    // window counts start-up, so it is 2 s, not 0.4: at load the first line came later than that.
    const chatty = options("chatty.mjs", { idleTimeoutMs: 2000, timeoutMs: 4000 });
    expect((await runAgent(chatty)).endedBy).toBe("timeout");
    expect(chatty.events.length).toBeGreaterThan(10);
  });

  test("an AbortSignal cancels the whole group", async () => {
    const controller = new AbortController();
    const run = options("grandchild.mjs", { signal: controller.signal });
    // Cancelled once the agent reported its grandchild: the whole group is running by then.
    const onEvent = run.onEvent;
    run.onEvent = (event) => {
      onEvent?.(event);
      if (event.type === "raw" && event.line.includes("grandchild")) controller.abort();
    };
    const outcome = await runAgent(run);
    expect({ endedBy: outcome.endedBy, result: outcome.result }).toEqual({ endedBy: "cancelled", result: { status: "failed", error: "cancelled" } });
    expect(await gone(grandchildPid(run.events))).toBe(true);
  });

  test("an already aborted signal spawns nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await runAgent(options("echo-env.mjs", { signal: controller.signal }))).toEqual({
      result: { status: "failed", error: "cancelled before it started" },
      exit: { code: null, signal: null },
      endedBy: "cancelled",
      pid: undefined,
    });
  });

  test("a missing executable is agent_not_found naming it, how to install it and the config key", async () => {
    const run = options("echo-env.mjs", {
      adapter: customAgent("mine", { command: "pb-no-such-agent", args: [], prompt_mode: "stdin", output_contract: "text", env: {} }),
      executable: "pb-no-such-agent",
    });
    const error = await runAgent(run).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(PatchbayError);
    const { code, message, next } = error as PatchbayError;
    expect({ code, message }).toEqual({
      code: "agent_not_found",
      message: 'the mine agent\'s executable "pb-no-such-agent" was not found on PATH or is not executable',
    });
    expect(next).toBe('install it (install the program "pb-no-such-agent" yourself), or set agents.custom.mine.command to its absolute path');
  });

  test("the codex adapter's missing binary names npm install and agents.commands.codex", async () => {
    const { codex } = await import("../../src/agents/index.ts");
    const error = (await runAgent({ ...options("echo-env.mjs"), adapter: codex, executable: "/nonexistent/codex" }).catch(
      (thrown: unknown) => thrown,
    )) as PatchbayError;
    expect(error.text).toBe(
      'the codex agent\'s executable "/nonexistent/codex" was not found or is not executable (install it (npm install -g @openai/codex), or set agents.commands.codex to its absolute path)',
    );
  });
});
