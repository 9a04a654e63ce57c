/**
 * The test phase's commands: only the ones listed in `[phases.test].commands` (the allowlist is
 * the list), split into argv without a shell, run in the worktree as their own process group with
 * a timeout and the environment of any command patchbay runs (commandEnvironment: never the
 * server's secrets), and their output captured, capped and redacted.
 */
import { spawn } from "node:child_process";
import { killGroup, superviseGroup } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { readCommandLine } from "../workspace/index.ts";

const OUTPUT_CAP = 2 * 1024 * 1024;

/** Time between SIGTERM and SIGKILL for a test command's group that must stop. */
const KILL_GRACE_MS = 2_000;

export interface CommandResult {
  command: string;
  exit_code: number | null;
  timed_out: boolean;
  duration_ms: number;
  output: string;
}

/**
 * A test command line as argv (readCommandLine: whitespace separates, single and double quotes
 * group, backslash escapes). Shell operators are not interpreted (there is no shell), so they are
 * refused, as are an unclosed quote and an empty line.
 *
 * @example
 * splitCommandLine(`npm run "test:unit" -- --bail`); // ["npm", "run", "test:unit", "--", "--bail"]
 */
export function splitCommandLine(line: string): string[] {
  const { words, shellOperator, unclosedQuote } = readCommandLine(line);
  if (shellOperator) {
    throw new PatchbayError(
      "invalid_test_command",
      `test command ${JSON.stringify(line)}: "${shellOperator}" needs a shell, and test commands run without one`,
      { next: "wrap it in a script (e.g. an npm script) and list that" },
    );
  }
  if (unclosedQuote) throw new PatchbayError("invalid_test_command", `test command ${JSON.stringify(line)}: unclosed quote`);
  if (words.length === 0) throw new PatchbayError("invalid_test_command", "an empty test command");
  return words;
}

/** `env`: built by commandEnvironment (agents/environment.ts), never the server's own environment. */
export function runTestCommand(line: string, cwd: string, timeoutMs: number, env: Record<string, string>, signal?: AbortSignal): Promise<CommandResult> {
  const [command, ...args] = splitCommandLine(line);
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: string[] = [];
    let size = 0;
    const capture = (chunk: Buffer) => {
      if (size >= OUTPUT_CAP) return;
      size += chunk.length;
      chunks.push(chunk.toString("utf8"));
    };
    const child = spawn(command!, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const supervisor = child.pid === undefined ? undefined : superviseGroup(child.pid, { timeoutMs, killGraceMs: KILL_GRACE_MS, signal });
    child.stdout.on("data", capture);
    child.stderr.on("data", capture);
    const finish = (code: number | null, extra = "") => {
      supervisor?.dispose();
      if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
      const timedOut = supervisor?.stoppedBy === "timeout";
      const output = chunks.join("") + (size >= OUTPUT_CAP ? "\n[output cut at 2 MiB]\n" : "") + extra;
      resolve({ command: line, exit_code: timedOut ? null : code, timed_out: timedOut, duration_ms: Date.now() - started, output });
    };
    child.on("error", (error) => finish(null, `\n${error.message}\n`));
    child.on("close", (code) => finish(code));
  });
}
