/**
 * Which parts of a repository's pipeline file the operator trusts. `.ai/patchbay.toml` lives in
 * the repository, where agents and models can write it (a worker's commit, an applied patch), so
 * the keys that run programs or loosen a gate (custom providers, executables, command keys, phase
 * environments, test commands, the approval and test gates, the worktree root) take effect only
 * once the operator trusted exactly that content, like `direnv allow`. Everything else (which
 * built-in provider a phase uses, models, timeouts, fix rounds) a repository may set freely.
 */
import { createHash } from "node:crypto";
import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { writeFileAtomic } from "../runtime/index.ts";
import { AGENT_PHASES } from "./config-schema.ts";
import { CONFIG_FILE, type LoadedPipelineConfig, resolvePhase, testSettings, validate, workflowSettings } from "./config.ts";

/** The trusted fingerprints kept per repository: enough for a few branches with different files. */
const KEPT_FINGERPRINTS = 20;

interface TrustFile {
  repo: string;
  trusted: Array<{ fingerprint: string; at: string; by: string }>;
}

/** The settings of a pipeline file that run programs or loosen a gate, resolved (legacy keys included). */
export function execSettings(loaded: LoadedPipelineConfig): Record<string, unknown> {
  const phases: Record<string, unknown> = {};
  for (const phase of AGENT_PHASES) {
    try {
      const resolved = resolvePhase(loaded, phase);
      // A built-in provider's name is free to choose; what runs, and with which environment, is not.
      phases[phase] = resolved.custom ? { custom: resolved.custom, env: resolved.env } : { executable: resolved.executable ?? null, env: resolved.env };
    } catch {
      phases[phase] = null; // a phase that does not resolve runs nothing
    }
  }
  const workflow = workflowSettings(loaded);
  return {
    phases,
    test_commands: testSettings(loaded).commands,
    require_plan_approval: workflow.requireApproval,
    allow_apply_without_tests: workflow.allowApplyWithoutTests,
    worktree_root: workflow.worktreeRoot,
  };
}

/** The settings of a repository without a pipeline file; computed on first use, not at start-up. */
let defaults: string | undefined;

/** True when the file sets nothing that needs trust: every phase runs a built-in as configured by the server. */
export function needsTrust(loaded: LoadedPipelineConfig): boolean {
  defaults ??= JSON.stringify(execSettings({ legacy: false, raw: {}, data: validate("(defaults)", {}) }));
  return JSON.stringify(execSettings(loaded)) !== defaults;
}

export function fingerprintOf(loaded: LoadedPipelineConfig): string {
  return createHash("sha256")
    .update(JSON.stringify(execSettings(loaded)))
    .digest("hex");
}

async function trustPath(home: string, repo: string): Promise<{ path: string; repo: string }> {
  const real = await realpath(repo);
  const id = createHash("sha256").update(real).digest("hex").slice(0, 32);
  return { path: join(home, "trust", "pipeline", `${id}.json`), repo: real };
}

async function readTrust(path: string, repo: string): Promise<TrustFile> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return { repo, trusted: [] };
  try {
    const parsed = JSON.parse(text) as TrustFile;
    return Array.isArray(parsed.trusted) ? parsed : { repo, trusted: [] };
  } catch {
    // An unreadable trust file trusts nothing; the operator trusts again.
    return { repo, trusted: [] };
  }
}

export async function isTrusted(home: string, repo: string, loaded: LoadedPipelineConfig): Promise<boolean> {
  if (!needsTrust(loaded)) return true;
  const where = await trustPath(home, repo);
  const fingerprint = fingerprintOf(loaded);
  return (await readTrust(where.path, where.repo)).trusted.some((entry) => entry.fingerprint === fingerprint);
}

/** Records that the operator trusts this content of the repository's pipeline file. */
export async function trustPipelineConfig(home: string, repo: string, loaded: LoadedPipelineConfig, by: string): Promise<string> {
  const where = await trustPath(home, repo);
  const fingerprint = fingerprintOf(loaded);
  const file = await readTrust(where.path, where.repo);
  const trusted = [{ fingerprint, at: new Date().toISOString(), by }, ...file.trusted.filter((entry) => entry.fingerprint !== fingerprint)].slice(
    0,
    KEPT_FINGERPRINTS,
  );
  await writeFileAtomic(where.path, `${JSON.stringify({ repo: where.repo, trusted }, null, 2)}\n`, { createDirs: true });
  return fingerprint;
}

/** Refuses to run anything from an untrusted pipeline file, naming what needs trust and how to give it. */
export async function assertTrusted(home: string, repo: string, loaded: LoadedPipelineConfig): Promise<void> {
  if (await isTrusted(home, repo, loaded)) return;
  const file = loaded.file ?? CONFIG_FILE;
  throw new PatchbayError(
    "pipeline_config_untrusted",
    `${file} sets commands, executables, environments or gates that the operator has not trusted; nothing was run`,
    {
      next: `review ${file} (\`patchbay config show --repo ${repo}\`), then run \`patchbay config trust --repo ${repo}\` in a terminal`,
      details: { file, settings: execSettings(loaded) },
    },
  );
}
