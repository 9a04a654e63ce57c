import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { executableNotFound, findExecutable, isDirectory, outputClosed, stopText } from "./spawn.ts";
import { superviseGroup } from "./supervise.ts";
import type { AgentAdapter, AgentEvent, AgentResult, AgentTurn } from "./types.ts";

export interface RunOptions {
  adapter: AgentAdapter;
  turn: AgentTurn;
  /** A name looked up on `env.PATH`, or a path (relative ones start at turn.cwd). */
  executable: string;
  /** The environment, built by agentEnvironment (environment.ts); the adapter's own `env` is added to it. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Stop the turn when neither stdout nor stderr printed anything for this long. */
  idleTimeoutMs: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs: number;
  signal?: AbortSignal;
  /** Each parsed event, in order. A throwing callback does not stop the turn. */
  onEvent(event: AgentEvent): void;
  /** Raw output chunks, for job logs. */
  onOutput?(stream: "stdout" | "stderr", chunk: string): void;
  onSpawn?(pid: number): void;
}

export interface RunOutcome {
  result: AgentResult;
  exit: { code: number | null; signal: string | null };
  endedBy: "exit" | "timeout" | "idle_timeout" | "cancelled";
  pid: number | undefined;
}

/** Kept from stderr for error messages; older output is dropped. */
const STDERR_TAIL_CHARS = 16_384;
const POLL_MS = 250;

/**
 * Runs one agent turn as its own process group (spawned detached, argv only, never a shell),
 * with stdin written then closed, TMPDIR = turn.scratchDir, and stdout parsed line by line.
 * The wall-clock timeout, the idle timeout and the AbortSignal each end the whole group:
 * SIGTERM, then SIGKILL after killGraceMs. When the agent exits on its own, whatever it left
 * running in its group is ended too. Resolves once the process has exited and its output closed.
 *
 * @example
 * const outcome = await runAgent({ adapter: codex, turn, executable: "codex", env: agentEnvironment(codex, envPolicy(config)),
 *   timeoutMs: 1_800_000, idleTimeoutMs: 300_000, killGraceMs: 5_000, onEvent: (event) => console.log(event) });
 */
export async function runAgent(options: RunOptions): Promise<RunOutcome> {
  const { adapter, turn } = options;
  const command = adapter.command(turn, options.executable, options.env);
  const env: Record<string, string> = { ...options.env, ...command.env, TMPDIR: turn.scratchDir };
  const executable = findExecutable(command.command, env.PATH ?? "", turn.cwd);
  if (!executable) throw executableNotFound(adapter, command.command, env.PATH ?? "");
  if (!isDirectory(turn.cwd))
    throw new PatchbayError("agent_cwd_missing", `the agent's working directory ${turn.cwd} does not exist`, { next: "check the repository or worktree path" });
  mkdirSync(turn.scratchDir, { recursive: true });
  for (const file of command.files ?? []) {
    const path = resolve(turn.scratchDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  if (options.signal?.aborted) {
    return { result: { status: "failed", error: "cancelled before it started" }, exit: { code: null, signal: null }, endedBy: "cancelled", pid: undefined };
  }
  const child = spawn(executable, command.args, { cwd: turn.cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  return watch(child, options, command.stdin, adapter, command.command, env);
}

function watch(
  child: ChildProcess,
  options: RunOptions,
  stdin: string | undefined,
  adapter: AgentAdapter,
  commandName: string,
  env: Record<string, string>,
): Promise<RunOutcome> {
  const parser = options.adapter.parser(options.turn, env);
  const pid = child.pid;
  let stderrTail = "";

  const emit = (events: AgentEvent[]) => {
    for (const event of events) {
      try {
        options.onEvent(event);
      } catch {
        // A failing progress callback must not end the agent's turn.
      }
    }
  };
  const parseLine = (line: string) => {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() === "") return;
    try {
      emit(parser.line(text));
    } catch {
      emit([{ type: "raw", line: text }]);
    }
  };

  return new Promise((resolvePromise, reject) => {
    let settled = false;
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (settled || pid !== undefined) return;
      settled = true;
      reject(error.code === "ENOENT" ? executableNotFound(adapter, commandName, options.env.PATH ?? "") : error);
    });
    if (pid === undefined) return;
    const supervisor = superviseGroup(pid, options);
    options.onSpawn?.(pid);
    // Usage some agents write only to their own files mid-turn, so a hard budget can stop the turn at the call that crosses it.
    const polling = parser.poll && setInterval(() => emit(parser.poll?.() ?? []), POLL_MS);

    child.stdin?.on("error", () => {
      // EPIPE: the agent exited without reading its prompt; its exit says why.
    });
    child.stdin?.end(stdin ?? "");

    let partial = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      supervisor.touch();
      options.onOutput?.("stdout", chunk);
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) parseLine(line);
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      supervisor.touch();
      options.onOutput?.("stderr", chunk);
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });

    const stdoutDone = outputClosed(child.stdout).then(() => {
      if (partial !== "") parseLine(partial);
      partial = "";
    });
    const stderrDone = outputClosed(child.stderr);
    const exited = new Promise<RunOutcome["exit"]>((done) => {
      child.on("exit", (code, signal) => {
        clearInterval(polling);
        // Whatever the agent left running in its group would hold the output open: end it.
        supervisor.terminate();
        done({ code, signal });
      });
    });

    Promise.all([exited, stdoutDone, stderrDone]).then(([exit]) => {
      if (settled) return;
      settled = true;
      supervisor.dispose();
      supervisor.sweep();
      const endedBy = supervisor.stoppedBy ?? "exit";
      resolvePromise({ result: finalResult(parser.finish.bind(parser), exit, stderrTail, endedBy, options), exit, endedBy, pid });
    });
  });
}

function finalResult(
  finish: (exit: RunOutcome["exit"], stderrTail: string) => AgentResult,
  exit: RunOutcome["exit"],
  stderrTail: string,
  endedBy: RunOutcome["endedBy"],
  options: RunOptions,
): AgentResult {
  let result: AgentResult;
  try {
    result = finish(exit, stderrTail);
  } catch (error) {
    result = { status: "failed", error: `could not read the agent's output: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (endedBy === "exit") return result;
  const { structured: _structured, ...kept } = result;
  return { ...kept, status: "failed", error: stopText(endedBy, options) };
}
