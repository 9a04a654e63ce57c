/**
 * Isolated environments for the REAL agent CLIs (installed, pinned, by the separate test package
 * tests/agents-cli) pointed at the fake model APIs of this folder. Every run gets a throwaway HOME,
 * its own TMPDIR, and an environment built from scratch (no real API key or user config leaks in).
 */
import { afterAll } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { removeTempDirs } from "../patchbay.ts";

export type AgentName = "codex" | "claude" | "gemini";

export const agentClisDir = fileURLToPath(new URL("../../agents-cli", import.meta.url)).replace(/\/$/, "");
export const agentClisBin = join(agentClisDir, "node_modules", ".bin");

/** The pinned versions, as `<cli> --version` prints them (kept in step with tests/agents-cli/package.json). */
export const PINNED: Record<AgentName, { pkg: string; version: string }> = {
  codex: { pkg: "@openai/codex", version: "0.171.0" },
  claude: { pkg: "@anthropic-ai/claude-code", version: "2.1.332" },
  gemini: { pkg: "@google/gemini-cli", version: "0.61.0" },
};

/** Why the real CLIs cannot run here, or undefined when they are installed. */
export function agentClisMissing(): string | undefined {
  const missing = (["codex", "claude", "gemini"] as const).filter((name) => !existsSync(join(agentClisBin, name)));
  if (missing.length === 0) return undefined;
  return `SKIPPED: the real agent CLIs are not installed (${missing.join(", ")} missing in ${agentClisBin}); run \`npm ci --prefix tests/agents-cli\` (CI does)`;
}

/** Absolute path of the pinned binary. */
export function agentBin(name: AgentName): string {
  return join(agentClisBin, name);
}

export interface AgentSandbox {
  /** The temp root holding everything below; `cleanup` removes it. */
  root: string;
  home: string;
  tmp: string;
  /** The environment to spawn the CLI with (built from scratch). */
  env: Record<string, string>;
  cleanup(): void;
}

function baseEnv(root: string): { home: string; tmp: string; env: Record<string, string> } {
  const home = join(root, "home");
  const tmp = join(root, "tmp");
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    TMPDIR: tmp,
    PATH: [agentClisBin, ...(process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter)].join(delimiter),
    LANG: "C.UTF-8",
    TERM: "dumb",
    NO_COLOR: "1",
    CI: "1",
    // Keep git inside the sandbox: no user/system config, a fixed identity for commits an agent makes.
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Agent",
    GIT_AUTHOR_EMAIL: "agent@example.com",
    GIT_COMMITTER_NAME: "Agent",
    GIT_COMMITTER_EMAIL: "agent@example.com",
  };
  return { home, tmp, env };
}

function sandbox(prefix: string, build: (root: string, base: ReturnType<typeof baseEnv>) => Record<string, string>): AgentSandbox {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const base = baseEnv(root);
  const env = { ...base.env, ...build(root, base) };
  return { root, home: base.home, tmp: base.tmp, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The Codex config.toml text for a fake `responses` provider at `baseUrl` (`http://127.0.0.1:PORT/v1`). */
export function codexConfigToml(baseUrl: string, model = "fake-model"): string {
  return [
    `model = "${model}"`,
    `model_provider = "fake"`,
    ``,
    `[model_providers.fake]`,
    `name = "fake"`,
    `base_url = "${baseUrl}"`,
    `wire_api = "responses"`,
    `env_key = "FAKE_API_KEY"`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    ``,
  ].join("\n");
}

/**
 * Codex: CODEX_HOME (which must exist) with config.toml naming the fake provider, and its key in
 * FAKE_API_KEY. `model` defaults to `fake-model` (unknown slug: a metadata warning, no apply_patch
 * tool); use e.g. "gpt-5.5" to get apply_patch offered.
 */
export function codexSandbox(baseUrl: string, options: { model?: string } = {}): AgentSandbox & { codexHome: string } {
  let codexHome = "";
  const box = sandbox("pb-codex-", (root) => {
    codexHome = join(root, "codex-home");
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(join(codexHome, "config.toml"), codexConfigToml(baseUrl, options.model));
    return { CODEX_HOME: codexHome, FAKE_API_KEY: "sk-fake-local" };
  });
  return { ...box, codexHome };
}

/** The Claude Code environment for a fake Messages API at `baseUrl` (the origin). */
export function claudeEnvFor(baseUrl: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "sk-ant-fake",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
}

export function claudeSandbox(baseUrl: string): AgentSandbox {
  return sandbox("pb-claude-", () => claudeEnvFor(baseUrl));
}

/** The Gemini CLI environment for a fake Gemini API at `baseUrl` (the origin). */
export function geminiEnvFor(baseUrl: string): Record<string, string> {
  return { GOOGLE_GEMINI_BASE_URL: baseUrl, GEMINI_API_KEY: "fake-gemini-key", GEMINI_CLI_TRUST_WORKSPACE: "true" };
}

/** `~/.gemini/settings.json` selecting API-key auth (without it GOOGLE_GEMINI_BASE_URL means "gateway" auth, exit 41). */
export function writeGeminiSettings(home: string): void {
  mkdirSync(join(home, ".gemini"), { recursive: true });
  writeFileSync(join(home, ".gemini", "settings.json"), JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }, null, 2));
}

export function geminiSandbox(baseUrl: string): AgentSandbox {
  return sandbox("pb-gemini-", (_root, base) => {
    writeGeminiSettings(base.home);
    return geminiEnvFor(baseUrl);
  });
}

/** Parses JSONL stdout, keeping non-JSON lines as `{ raw }`. */
export function jsonLines(stdout: string): any[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return { raw: line };
      }
    });
}

export { tmpdir };

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSONL. */
  events: any[];
  ms: number;
}

/**
 * Runs a real CLI the way patchbay must: argv only, stdin closed at once (or `input` written to it,
 * then closed), its own process group
 * (killed as a whole with SIGKILL after `timeoutMs`, which then rejects with the output so far).
 */
export function runCli(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number; input?: string },
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      reject(new Error(`${command} ${args.join(" ")} did not finish within ${options.timeoutMs ?? 20_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // A grandchild left in the group would be a leak; make sure nothing survives the test.
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // the group is empty, as it should be
      }
      resolve({ code, signal, stdout, stderr, events: jsonLines(stdout), ms: Date.now() - started });
    });
  });
}

type Disposable = { stop(): Promise<void> } | { close(): Promise<void> } | AgentSandbox;

/**
 * Keeps what a test file starts (fake APIs, sandboxes, clients) and undoes it in reverse order
 * after the file, along with the temp dirs.
 *
 * @example
 * const keep = keepForFile();
 * const api = keep(await startOpenAiFake(...));
 */
export function keepForFile(): <T extends Disposable>(thing: T) => T {
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    removeTempDirs();
  });
  return (thing) => {
    cleanups.push("cleanup" in thing ? () => thing.cleanup() : "stop" in thing ? () => thing.stop() : () => thing.close());
    return thing;
  };
}
