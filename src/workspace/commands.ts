/**
 * Running a command for a tool call: its own process group (so a timeout stops everything it
 * started, grandchildren included), a filtered environment, a clamped timeout and capped output.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { commandEnvironment, envPolicy, killGroup, superviseGroup } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";

export const COMMAND_TIMEOUT = { minMs: 1_000, maxMs: 180_000, defaultMs: 60_000 } as const;

/** Bytes of stdout plus stderr kept; the rest is read and dropped so the command can finish. */
export const COMMAND_OUTPUT_BYTES = 200_000;

/** Time between SIGTERM and SIGKILL for a group that must stop. */
const KILL_GRACE_MS = 2_000;

export interface CommandResult {
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  duration_ms: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** A requested timeout clamped to 1–180 s; 60 s when none is given. */
export function clampTimeout(timeoutMs?: number): number {
  if (timeoutMs === undefined) return COMMAND_TIMEOUT.defaultMs;
  return Math.min(Math.max(Math.round(timeoutMs), COMMAND_TIMEOUT.minMs), COMMAND_TIMEOUT.maxMs);
}

/**
 * The base list and `security.allowed_env_keys`, minus `security.denied_env_keys` and patchbay's
 * secrets, plus TERM=dumb, NO_COLOR=1, CI=1 (agents/environment.ts): tokens in the server's
 * environment never reach a command a chat asked for.
 */
export function filteredEnv(config: Pick<Config, "security" | "auth">, env: Record<string, string | undefined> = process.env): Record<string, string> {
  return commandEnvironment(envPolicy(config), env);
}

/** A command line read into words, with what a caller may refuse: shell syntax, an open quote. */
export interface CommandLine {
  words: string[];
  /** The first character outside quotes that only a shell would act on (`|;&<>$()` or a backtick). */
  shellOperator?: string;
  /** The quote left open at the end of the line. */
  unclosedQuote?: '"' | "'";
}

/**
 * Reads a command line the way a shell quotes it, without running a shell: whitespace separates
 * words, '…' keeps everything literal, "…" groups, and a backslash (bare or inside "…") takes the
 * next character literally. No variables or globbing: shell syntax is reported, never interpreted.
 *
 * @example
 * readCommandLine(`npm run "test:unit" -- a\ b`).words; // ["npm", "run", "test:unit", "--", "a b"]
 */
export function readCommandLine(line: string): CommandLine {
  const result: CommandLine = { words: [] };
  let word = "";
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      started = true;
    } else if (char === "\\" && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) result.words.push(word);
      word = "";
      started = false;
    } else {
      if (/[|;&<>`$()]/.test(char)) result.shellOperator ??= char;
      word += char;
      started = true;
    }
  }
  if (started) result.words.push(word);
  if (quote) result.unclosedQuote = quote;
  return result;
}

/**
 * A command line as argv (readCommandLine); an unclosed quote is `invalid_arguments`.
 *
 * @example
 * splitWords(`agent --task "my plan.md"`); // ["agent", "--task", "my plan.md"]
 */
export function splitWords(line: string): string[] {
  const { words, unclosedQuote } = readCommandLine(line);
  if (unclosedQuote) throw new PatchbayError("invalid_arguments", `unclosed ${unclosedQuote} quote in ${JSON.stringify(line)}`, { next: "close the quote" });
  return words;
}

/** Collects stdout and stderr up to COMMAND_OUTPUT_BYTES together; the rest is read and dropped so the command can finish. */
function captureOutput(child: ChildProcessByStdio<null, Readable, Readable>): () => Pick<CommandResult, "stdout" | "stderr" | "truncated"> {
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  let size = 0;
  let truncated = false;
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    const room = COMMAND_OUTPUT_BYTES - size;
    if (chunk.length > room) truncated = true;
    if (room <= 0) return;
    into.push(chunk.subarray(0, room));
    size += Math.min(chunk.length, room);
  };
  child.stdout.on("data", collect(chunks.stdout));
  child.stderr.on("data", collect(chunks.stderr));
  return () => ({ stdout: Buffer.concat(chunks.stdout).toString("utf8"), stderr: Buffer.concat(chunks.stderr).toString("utf8"), truncated });
}

/**
 * Runs `argv` in `cwd` as the leader of a new process group. On timeout or abort the group gets
 * SIGTERM, then SIGKILL; when the command exits, anything it left running in its group is killed,
 * because a background process would keep the output pipes (and the call) open.
 *
 * @example
 * const result = await runInGroup(["git", "status"], { cwd: root, env: filteredEnv(config), timeoutMs: 60_000 });
 */
export function runInGroup(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (!command) throw new PatchbayError("invalid_arguments", "the command is empty", { next: "pass a command to run" });
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const output = captureOutput(child);
    const supervisor =
      child.pid === undefined ? undefined : superviseGroup(child.pid, { timeoutMs: options.timeoutMs, killGraceMs: KILL_GRACE_MS, signal: options.signal });
    let waitLimit: ReturnType<typeof setTimeout> | undefined;
    let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      if (child.pid) killGroup(child.pid, "SIGKILL");
      // A process that left the group (setsid) could still hold the pipes open: stop waiting for it.
      waitLimit = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, KILL_GRACE_MS);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      supervisor?.dispose();
      reject(
        error.code === "ENOENT"
          ? new PatchbayError("command_not_found", `${command} was not found on PATH`, {
              next: "install it on the PATH patchbay was started with (security.denied_env_keys must not withhold PATH)",
            })
          : error,
      );
    });
    child.on("close", () => {
      supervisor?.dispose();
      clearTimeout(waitLimit);
      resolve({ exit_code: exit.code, signal: exit.signal, timed_out: supervisor?.stoppedBy === "timeout", duration_ms: Date.now() - started, ...output() });
    });
  });
}
