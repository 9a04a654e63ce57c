/**
 * The git CLI, the ground truth for status, diff and worktrees. Every call patchbay makes runs
 * with an argv array (no shell), hooks and fsmonitor disabled (a repository's config must not run
 * code in our process tree), no pager, no colour and no prompts.
 */
import { spawn } from "node:child_process";
import { gitEnvironment, superviseGroup } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";

const SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "color.ui=false", "-c", "core.quotepath=false"];

const GIT_ENV = { GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", PAGER: "cat", LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" };

/**
 * How long one git call may run unless its caller gives its own bound. git itself waits without end
 * on a FIFO where it reads (a `.git/HEAD` made one), and every read-only tool would then hang with it.
 * Under the SDK clients' default request timeout (30 s), so a host reads this error, not its own timeout.
 */
export const GIT_TIMEOUT_MS = 20_000;
/** The bound of a command that writes every file of a checkout (`worktree add`, `add --all`), which a large repository makes slow. */
export const GIT_CHECKOUT_TIMEOUT_MS = 10 * 60_000;
/** After SIGTERM, the time git's process group gets before SIGKILL. */
const GIT_KILL_GRACE_MS = 1_000;

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the output stopped at `maxBytes`, or where `stopWhen` said it had enough. */
  truncated: boolean;
}

/** Refuses a ref that git would read as an option (`--output=…`), the classic argument injection. */
export function assertSafeRef(ref: string, argument = "ref"): void {
  if (ref.startsWith("-") || ref.includes("\0") || /\s/.test(ref)) {
    throw new PatchbayError("invalid_arguments", `${argument}: ${JSON.stringify(ref)} is not a git revision`, {
      next: "pass a branch, tag or commit such as HEAD~1 or main",
    });
  }
}

/**
 * Runs `git <args>` in `cwd`, keeping at most `maxBytes` of stdout: git is stopped at the cap
 * instead of producing output nobody reads (a diff of a huge change, a search of a big tree).
 * node:child_process rather than dax-sh here: dax's piped stdout throws "Controller is already
 * closed" when its reader stops early (dax-sh 0.44.1 on Bun 1.4.5), and stopping early is the point.
 * `env` adds variables for this one call (a temporary GIT_INDEX_FILE, a commit identity);
 * `stopWhen`, given each chunk of stdout as it comes, stops git once it answers true. git runs as
 * its own process group under the one supervisor: past `timeoutMs` (GIT_TIMEOUT_MS) the whole group
 * is ended and the call fails with `git_timeout`.
 *
 * @example
 * const { stdout } = await runGit(repo, ["status", "--porcelain=v1", "-z"]);
 */
export function runGit(
  cwd: string,
  args: string[],
  options: {
    maxBytes?: number;
    signal?: AbortSignal;
    input?: string;
    env?: Record<string, string>;
    stopWhen?: (chunk: Buffer) => boolean;
    timeoutMs?: number;
  } = {},
): Promise<GitResult> {
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? GIT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn("git", [...SAFE_CONFIG, ...args], {
      cwd,
      env: gitEnvironment({ ...GIT_ENV, ...options.env }),
      stdio: ["pipe", "pipe", "pipe"],
      signal: options.signal,
      // Its own process group, so a timeout ends whatever git started too.
      detached: true,
    });
    const supervisor = child.pid === undefined ? undefined : superviseGroup(child.pid, { timeoutMs, killGraceMs: GIT_KILL_GRACE_MS });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (truncated) return;
      if (size + chunk.length <= maxBytes) {
        chunks.push(chunk);
        size += chunk.length;
        if (!options.stopWhen?.(chunk)) return;
        truncated = true;
        child.kill("SIGTERM");
        return;
      }
      chunks.push(chunk.subarray(0, maxBytes - size));
      truncated = true;
      child.kill("SIGTERM");
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-8192)));
    child.on("error", (error: NodeJS.ErrnoException) => {
      supervisor?.dispose();
      reject(error.code === "ENOENT" ? new PatchbayError("git_not_found", "git is not on PATH", { next: "install git" }) : error);
    });
    child.on("close", (code) => {
      supervisor?.dispose();
      if (supervisor?.stoppedBy === "timeout") return reject(gitTimedOut(cwd, args, timeoutMs));
      resolve({ code: truncated ? 0 : (code ?? 1), stdout: Buffer.concat(chunks).toString("utf8"), stderr, truncated });
    });
    child.stdin.end(options.input ?? "");
  });
}

function gitTimedOut(cwd: string, args: string[], timeoutMs: number): PatchbayError {
  return new PatchbayError(
    "git_timeout",
    `git ${args.find((arg) => !arg.startsWith("-") && !arg.includes("=")) ?? ""} in ${cwd} did not finish within ${timeoutMs / 1000} s`,
    {
      next: "check the repository's .git for a FIFO or special file where git reads (HEAD, index, refs) and for files git is still reading, then try again",
    },
  );
}

/** Like runGit, but a non-zero exit is a `git_failed` error carrying git's own message. */
export async function git(cwd: string, args: string[], options: Parameters<typeof runGit>[2] = {}): Promise<GitResult> {
  const result = await runGit(cwd, args, options);
  if (result.code !== 0) throw gitFailure(args, result);
  return result;
}

/** A failed git command as a `git_failed` error carrying git's own message. */
export function gitFailure(args: string[], result: GitResult): PatchbayError {
  return new PatchbayError("git_failed", `git ${args[0]} failed: ${result.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${result.code}`}`, {
    next: "check the repository state with codex_git_status",
  });
}

/**
 * Refuses anything but one commit: `HEAD:dir` passes assertSafeRef, yet git would then diff that
 * folder as if it were the repository root, under paths the blocked globs do not match.
 */
export async function assertCommit(root: string, ref: string, signal?: AbortSignal): Promise<void> {
  assertSafeRef(ref);
  const result = await runGit(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { signal });
  if (result.code !== 0) {
    throw new PatchbayError("invalid_arguments", `ref: ${JSON.stringify(ref)} is not a commit in this repository`, {
      next: "pass a branch, tag or commit such as HEAD~1 or main; codex_workspace_snapshot lists recent commits",
    });
  }
}
