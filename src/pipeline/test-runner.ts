/**
 * The test phase's commands: only the ones listed in `[phases.test].commands` (the allowlist is
 * the list), split into argv without a shell, run in the worktree as their own process group with
 * a timeout and the environment of any command patchbay runs (commandEnvironment: never the
 * server's secrets), and their output captured, capped and redacted.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { PatchbayError } from "../errors/index.ts";

const OUTPUT_CAP = 2 * 1024 * 1024;

export interface CommandResult {
  command: string;
  exit_code: number | null;
  timed_out: boolean;
  duration_ms: number;
  output: string;
}

/**
 * A command line as argv: whitespace separates, single and double quotes group, backslash
 * escapes. Shell operators are not interpreted (there is no shell), so they are refused.
 *
 * @example
 * splitCommandLine(`npm run "test:unit" -- --bail`); // ["npm", "run", "test:unit", "--", "--bail"]
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
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
      if (started) words.push(word);
      word = "";
      started = false;
    } else if (/[|;&<>`$()]/.test(char)) {
      throw new PatchbayError("invalid_test_command", `test command ${JSON.stringify(line)}: "${char}" needs a shell, and test commands run without one`, { next: "wrap it in a script (e.g. an npm script) and list that" });
    } else {
      word += char;
      started = true;
    }
  }
  if (quote) throw new PatchbayError("invalid_test_command", `test command ${JSON.stringify(line)}: unclosed quote`);
  if (started) words.push(word);
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
    let timedOut = false;
    const capture = (chunk: Buffer) => {
      if (size >= OUTPUT_CAP) return;
      size += chunk.length;
      chunks.push(chunk.toString("utf8"));
    };
    const child = spawn(command!, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // the group is gone
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 2_000).unref?.();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    signal?.addEventListener("abort", stop, { once: true });
    child.stdout.on("data", capture);
    child.stderr.on("data", capture);
    const finish = (code: number | null, extra = "") => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", stop);
      killGroup("SIGKILL");
      const output = chunks.join("") + (size >= OUTPUT_CAP ? "\n[output cut at 2 MiB]\n" : "") + extra;
      resolve({ command: line, exit_code: code, timed_out: timedOut, duration_ms: Date.now() - started, output });
    };
    child.on("error", (error) => finish(null, `\n${error.message}\n`));
    child.on("close", (code) => finish(timedOut ? null : code));
  });
}
