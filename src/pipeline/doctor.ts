/**
 * `patchbay doctor`'s pipeline check: the resolved phase configuration of a repository that has
 * `.ai/patchbay.toml` (or the legacy `.ai/ai-flow.toml`). Each problem is one finding with what to
 * fix: a phase whose provider does not resolve or lacks the role, an unsupported provider, an
 * executable that is not on PATH, a test command that cannot run.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { agentExecutable, findExecutable } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { asPatchbayError } from "../errors/index.ts";
import { REASONIX } from "../agents/acp/index.ts";
import { adapterFor } from "./agent.ts";
import { AGENT_PHASES } from "./config-schema.ts";
import { CONFIG_FILE, LEGACY_CONFIG_FILE, type LoadedPipelineConfig, loadPipelineConfig, type ResolvedPhase, resolvePhase, testSettings } from "./config.ts";
import { splitCommandLine } from "./test-runner.ts";

export interface PipelineFinding {
  status: "ok" | "warn" | "fail";
  detail: string;
  next?: string;
}

/** The folder both configuration files live in. */
const CONFIG_DIR = dirname(CONFIG_FILE);

/**
 * Whether the repository has a pipeline configuration doctor should check. The unchosen default
 * tool mode asks on every listing (src/mcp/registry.ts): a repository without `.ai/`, most of them,
 * is answered with one `stat`.
 */
export function hasPipelineConfig(repo: string): boolean {
  if (!existsSync(join(repo, CONFIG_DIR))) return false;
  return existsSync(join(repo, CONFIG_FILE)) || existsSync(join(repo, LEGACY_CONFIG_FILE));
}

/**
 * The findings for `repo`'s pipeline configuration, problems first, one per problem, then one
 * `ok` summary line when nothing failed.
 *
 * @example
 * const findings = await checkPipelineConfig(repo, await loadConfig({ home }));
 */
export async function checkPipelineConfig(repo: string, server: Config): Promise<PipelineFinding[]> {
  let loaded: LoadedPipelineConfig;
  try {
    loaded = await loadPipelineConfig(repo);
  } catch (error) {
    const failure = asPatchbayError(error);
    return [{ status: "fail", detail: failure.message, ...(failure.next && { next: failure.next }) }];
  }
  const file = loaded.file ?? CONFIG_FILE;
  const findings: PipelineFinding[] = [];
  if (loaded.legacy)
    findings.push({
      status: "warn",
      detail: `${file} is the legacy ai-flow file; its keys load as defaults`,
      next: "move to .ai/patchbay.toml (any `patchbay config ... set` writes it)",
    });
  const bound: string[] = [];
  for (const phase of AGENT_PHASES) {
    let resolved: ResolvedPhase;
    try {
      resolved = resolvePhase(loaded, phase, server);
      if (resolved.agent !== "reasonix") adapterFor(resolved, server);
    } catch (error) {
      const failure = asPatchbayError(error);
      findings.push({ status: "fail", detail: `phase ${phase}: ${failure.message}`, ...(failure.next && { next: failure.next }) });
      continue;
    }
    bound.push(`${phase}=${resolved.provider}${resolved.model ? `/${resolved.model}` : ""}`);
    if (resolved.agent === "mock") continue;
    const reasonix = resolved.agent === "reasonix";
    const executable = resolved.executable ?? (reasonix ? REASONIX.defaultCommand : agentExecutable(adapterFor(resolved, server), server));
    if (!findExecutable(executable, process.env.PATH ?? "", repo)) {
      // Each built-in's own setting: reasonix has none in the server config, only [commands].reasonix.
      const where = resolved.custom
        ? `command of [providers.${resolved.provider}]`
        : `[phases.${phase}].command, or ${reasonix ? REASONIX.configKey : `[commands], or ${adapterFor(resolved, server).configKey} in the server config`}`;
      findings.push({
        status: "fail",
        detail: `phase ${phase}: ${resolved.provider} runs "${executable}", which is not on PATH`,
        next: `install it, or set the executable (${where})`,
      });
    }
  }
  const tests = testSettings(loaded);
  if (tests.commands.length === 0) {
    findings.push({
      status: "warn",
      detail: "the test phase has no commands, so apply will refuse (tests must pass)",
      next: 'patchbay config test add "<command line>" (or set workflow.allow_apply_without_tests)',
    });
  }
  for (const command of tests.commands) {
    let argv: string[];
    try {
      argv = splitCommandLine(command);
    } catch (error) {
      const failure = asPatchbayError(error);
      // The file this doctor read says more than the code's generic default.
      const next = failure.next && !failure.hasDefaultNext ? failure.next : `fix [phases.test].commands in ${file}`;
      findings.push({ status: "fail", detail: failure.message, next });
      continue;
    }
    if (!findExecutable(argv[0]!, process.env.PATH ?? "", repo)) {
      findings.push({
        status: "fail",
        detail: `test command ${JSON.stringify(command)}: "${argv[0]}" is not on PATH (nor a file in the repository)`,
        next: `install it, or fix [phases.test].commands in ${file}`,
      });
    }
  }
  if (!findings.some((finding) => finding.status === "fail"))
    findings.push({ status: "ok", detail: `${file}: ${bound.join(", ")}; ${tests.commands.length} test command(s)` });
  return findings;
}
