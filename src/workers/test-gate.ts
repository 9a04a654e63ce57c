/**
 * Integration gated on tests: patches are applied in a scratch worktree at the base checkout's
 * HEAD (detached, no branch) and the repository's test commands run there, the way the pipeline's
 * test phase runs them (only `[phases.test].commands` from a trusted `.ai/patchbay.toml`, argv
 * without a shell, own process group, its timeout, commandEnvironment). The base checkout is
 * touched only after they pass, by the caller.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { commandEnvironment, type EnvPolicy } from "../agents/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { assertTrusted, loadPipelineConfig, runTestCommand, testSettings } from "../pipeline/index.ts";
import { git, runGit } from "../workspace/index.ts";
import { createScratchWorktree, removeWorktree } from "../worktrees/index.ts";
import type { WorktreePatch } from "../worktrees/index.ts";

export interface TestSettings {
  commands: string[];
  timeoutMs: number;
}

export interface TestRun {
  command: string;
  exit_code: number | null;
  timed_out: boolean;
  duration_ms: number;
}

/** What an integration's test run shows: each command, and the log with all their output. */
export interface TestEvidence {
  passed: boolean;
  commands: TestRun[];
  /** Absolute path of the log (every command's output, redacted). */
  log: string;
}

/** Lines of a failing command's output a refusal quotes. */
const TAIL_LINES = 40;

/**
 * The repository's test commands, refused unless the operator trusted its pipeline file (the
 * pipeline's own check) and it lists at least one.
 */
export async function integrationTestSettings(home: string, repo: string): Promise<TestSettings> {
  const loaded = await loadPipelineConfig(repo);
  const settings = testSettings(loaded);
  if (settings.commands.length === 0)
    throw new PatchbayError("no_test_commands", `${repo} lists no test commands ([phases.test] commands in .ai/patchbay.toml), so nothing can be tested`, {
      next: "add the commands (patchbay_config_test_add, or edit .ai/patchbay.toml and trust it with `patchbay config trust`), or integrate with run_tests=false",
    });
  await assertTrusted(home, repo, loaded);
  return settings;
}

/** A detached worktree at the base checkout's HEAD, where patches are tried and tested; `close` removes it. */
export interface Scratch {
  path: string;
  /** Applies `patch` there, or returns git's complaint (nothing applied). */
  apply(patch: WorktreePatch): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function openScratch(repo: string, root: string): Promise<Scratch> {
  const path = join(root, `integrate-${randomBytes(6).toString("hex")}`);
  await mkdir(root, { recursive: true });
  await createScratchWorktree(repo, path);
  return {
    path,
    async apply(patch) {
      const check = await runGit(path, ["apply", "--check", "--whitespace=nowarn", "-"], { input: patch.patch });
      if (check.code !== 0) return check.stderr.trim().slice(0, 4000);
      await git(path, ["apply", "--whitespace=nowarn", "-"], { input: patch.patch });
      return undefined;
    },
    async close() {
      await removeWorktree(repo, { path });
    },
  };
}

/**
 * Runs the test commands in `cwd` one after another, stopping at the first that fails, and writes
 * their output (through `redact`) to `log`.
 */
export async function runIntegrationTests(
  cwd: string,
  settings: TestSettings,
  options: { policy: EnvPolicy; log: string; redact: (text: string) => string; signal?: AbortSignal },
): Promise<TestEvidence & { failure?: { command: string; tail: string } }> {
  const commands: TestRun[] = [];
  const sections: string[] = [];
  let failure: { command: string; tail: string } | undefined;
  for (const command of settings.commands) {
    options.signal?.throwIfAborted();
    const result = await runTestCommand(command, cwd, settings.timeoutMs, commandEnvironment(options.policy), options.signal);
    const status = result.timed_out ? `timed out after ${settings.timeoutMs / 1000} s` : `exit code ${result.exit_code}`;
    const output = options.redact(result.output);
    sections.push(`$ ${command}\n${output}\n[${status}, ${result.duration_ms} ms]\n`);
    commands.push({ command, exit_code: result.exit_code, timed_out: result.timed_out, duration_ms: result.duration_ms });
    if (result.exit_code !== 0) {
      failure = { command, tail: output.trimEnd().split("\n").slice(-TAIL_LINES).join("\n") };
      break;
    }
  }
  await mkdir(dirname(options.log), { recursive: true });
  await writeFile(options.log, sections.join("\n"), { mode: 0o600 });
  return { passed: !failure, commands, log: options.log, ...(failure && { failure }) };
}
