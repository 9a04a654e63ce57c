/**
 * Reads `.ai/patchbay.toml` (else the legacy `.ai/ai-flow.toml`, else `.ai/patchbay.example.toml`)
 * and resolves each phase to a provider, model and executable, with errors that say what to fix.
 * The `config ... set/add` commands edit the same file through config-edit.ts.
 */
import { parse } from "smol-toml";
import * as v from "valibot";
import { REASONIX } from "../agents/acp/index.ts";
import { AGENTS, type BuiltinAgentName, configuredCommand, isBuiltinAgent, pipelineProvider } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { readAiFile } from "./ai-files.ts";
import { AGENT_PHASES, type AgentPhase, BUILTIN_PROVIDERS, type CustomProvider, type PipelineConfigFile, pipelineConfigSchema } from "./config-schema.ts";

export const CONFIG_FILE = ".ai/patchbay.toml";
export const LEGACY_CONFIG_FILE = ".ai/ai-flow.toml";
export const EXAMPLE_CONFIG_FILE = ".ai/patchbay.example.toml";

/** A pipeline file is a few dozen lines; anything near this is not one. */
const MAX_CONFIG_BYTES = 1 << 20;

export interface LoadedPipelineConfig {
  /** The file it came from, relative to the repository; undefined when none exists (all defaults). */
  file?: string;
  legacy: boolean;
  data: PipelineConfigFile;
  /** The file's own keys, before defaults: legacy keys only count where new ones are absent. */
  raw: Record<string, unknown>;
}

interface BuiltinProviderInfo {
  /** The agent it drives: a registry name, or reasonix's ACP writer. */
  agent: BuiltinAgentName | "reasonix";
  roles: readonly AgentPhase[];
  /** Its legacy `[commands]` entry: the agent's name. */
  commandKey: string;
}

/** Built-in providers, by id: one per built-in agent of the registry (every role), and reasonix (it writes and fixes). */
export const BUILTIN_PROVIDER_INFO: Readonly<Record<string, BuiltinProviderInfo>> = Object.fromEntries(
  BUILTIN_PROVIDERS.map((id): [string, BuiltinProviderInfo] => {
    if (id === REASONIX.provider) return [id, { agent: "reasonix", roles: ["write", "fix"], commandKey: "reasonix" }];
    const adapter = Object.values(AGENTS).find((candidate) => pipelineProvider(candidate) === id)!;
    return [id, { agent: adapter.name as BuiltinAgentName, roles: AGENT_PHASES, commandKey: adapter.name }];
  }),
);

const DEFAULT_PROVIDER: Record<Exclude<AgentPhase, "fix">, string> = { plan: "claude_cli", write: "codex_cli", review: "codex_cli" };
const LEGACY_MODEL_KEY: Record<AgentPhase, "planner" | "writer" | "reviewer" | "fixer"> = {
  plan: "planner",
  write: "writer",
  review: "reviewer",
  fix: "fixer",
};

export interface ResolvedPhase {
  phase: AgentPhase;
  provider: string;
  builtin: boolean;
  /** The agent adapter: codex, claude, gemini, mock, reasonix, or the custom provider's id. */
  agent: string;
  model?: string;
  /** The executable, or undefined for the adapter's own default (server config or name on PATH). */
  executable?: string;
  env: Record<string, string>;
  timeoutMs?: number;
  custom?: CustomProvider;
}

export async function loadPipelineConfig(repo: string): Promise<LoadedPipelineConfig> {
  for (const [file, legacy] of [
    [CONFIG_FILE, false],
    [LEGACY_CONFIG_FILE, true],
    [EXAMPLE_CONFIG_FILE, false],
  ] as const) {
    // Through the guarded .ai reads: a linked .ai or a FIFO is refused, never followed or waited on.
    const read = await readAiFile(repo, file, { maxBytes: MAX_CONFIG_BYTES });
    if (!read) continue;
    if (read.truncated) throw new PatchbayError("config_invalid", `${file}: larger than ${MAX_CONFIG_BYTES} bytes`, { next: `shorten ${file}` });
    const raw = parseToml(file, read.text);
    return { file, legacy, raw, data: validate(file, raw) };
  }
  return { legacy: false, raw: {}, data: validate("(defaults)", {}) };
}

function parseToml(file: string, text: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new PatchbayError("config_invalid", `${file}: not valid TOML: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`, {
      next: `fix ${file}`,
    });
  }
}

export function validate(file: string, raw: Record<string, unknown>): PipelineConfigFile {
  const result = v.safeParse(pipelineConfigSchema, raw);
  if (result.success) return result.output;
  const issues = result.issues.map((issue) => `${v.getDotPath(issue) ?? "(top level)"}: ${issue.message}`);
  throw new PatchbayError("config_invalid", `${file}: ${issues.join("; ")}`, { next: `fix ${file} (see \`patchbay config show\`)`, details: { file, issues } });
}

/** Every provider this config offers with its roles: the built-ins, then `[providers.<id>]`. */
export function providerRoles(config: PipelineConfigFile): Record<string, readonly AgentPhase[]> {
  const roles: Record<string, readonly AgentPhase[]> = {};
  for (const id of BUILTIN_PROVIDERS) roles[id] = BUILTIN_PROVIDER_INFO[id]!.roles;
  for (const [id, provider] of Object.entries(config.providers)) roles[id] = provider.roles;
  return roles;
}

function phaseTable(loaded: LoadedPipelineConfig, phase: AgentPhase) {
  return loaded.data.phases[phase];
}

function configuredProvider(loaded: LoadedPipelineConfig, phase: Exclude<AgentPhase, "fix">): string {
  const own = phaseTable(loaded, phase).provider;
  if (own) return own;
  if (phase === "write" && loaded.data.writer.provider) return loaded.data.writer.provider;
  return DEFAULT_PROVIDER[phase];
}

/**
 * The provider, model and executable of a phase. `fix` defaults to the write phase's provider
 * and model. A provider that does not have the phase's role is `provider_role_mismatch`.
 *
 * @example
 * const write = resolvePhase(await loadPipelineConfig(repo), "write", serverConfig);
 */
export function resolvePhase(loaded: LoadedPipelineConfig, phase: AgentPhase, server?: Config): ResolvedPhase {
  const table = phaseTable(loaded, phase);
  const inherit = phase === "fix" && !table.provider;
  const source = inherit ? "write" : phase;
  const provider = inherit ? configuredProvider(loaded, "write") : (table.provider ?? configuredProvider(loaded, phase as Exclude<AgentPhase, "fix">));
  const sourceTable = phaseTable(loaded, source);
  const roles = providerRoles(loaded.data);
  const file = loaded.file ?? CONFIG_FILE;
  if (!Object.hasOwn(roles, provider)) {
    throw new PatchbayError(
      "provider_not_found",
      `phase "${phase}" is bound to provider "${provider}", which is not defined; providers: ${Object.keys(roles).join(", ")}`,
      {
        next: `set [phases.${phase}].provider to one of those in ${file}, or define [providers.${provider}] with roles, command and output_contract`,
        details: { phase, provider, providers: Object.keys(roles) },
      },
    );
  }
  const has = roles[provider]!;
  if (!has.includes(phase)) {
    throw new PatchbayError(
      "provider_role_mismatch",
      `phase "${phase}" is bound to provider "${provider}", which has the roles ${has.join(", ") || "(none)"}, not "${phase}"`,
      {
        next: `add "${phase}" to the roles of [providers.${provider}], or bind [phases.${phase}] to another provider in ${file}`,
        details: { phase, provider, roles: has },
      },
    );
  }
  const model = table.model ?? loaded.data.models[LEGACY_MODEL_KEY[phase]] ?? (inherit ? (sourceTable.model ?? loaded.data.models.writer) : undefined);
  const custom = Object.hasOwn(loaded.data.providers, provider) ? loaded.data.providers[provider] : undefined;
  const timeout = table.timeout ?? (inherit ? sourceTable.timeout : undefined);
  const env = { ...(inherit ? sourceTable.env : {}), ...table.env };
  if (custom)
    return compact({
      phase,
      provider,
      builtin: false,
      agent: provider,
      model,
      executable: custom.command,
      env: { ...custom.env, ...env },
      timeoutMs: timeout && timeout * 1000,
      custom,
    });
  const info = BUILTIN_PROVIDER_INFO[provider]!;
  const executable = builtinExecutable(loaded, inherit ? sourceTable : table, info, phase, server);
  return compact({ phase, provider, builtin: true, agent: info.agent, model, executable, env, timeoutMs: timeout && timeout * 1000 });
}

function builtinExecutable(
  loaded: LoadedPipelineConfig,
  table: PipelineConfigFile["phases"]["plan"],
  info: BuiltinProviderInfo,
  phase: AgentPhase,
  server?: Config,
): string | undefined {
  if (info.agent === "mock") return undefined;
  if (table.command) return table.command;
  if (table.command_key) {
    const named = loaded.data.commands[table.command_key];
    if (named === undefined) {
      throw new PatchbayError("config_invalid", `[phases.${phase}].command_key = "${table.command_key}" names no entry of [commands]`, {
        next: `add ${table.command_key} = "<executable>" under [commands] (patchbay config command set ${table.command_key} <executable>)`,
      });
    }
    return named;
  }
  const legacy = loaded.data.commands[info.commandKey];
  if (legacy) return legacy;
  if (!server || !isBuiltinAgent(info.agent)) return undefined;
  return configuredCommand(AGENTS[info.agent], server);
}

/** The test phase: the allowlisted commands (only these ever run) and their timeout. */
export function testSettings(loaded: LoadedPipelineConfig): { commands: string[]; timeoutMs: number } {
  const own = loaded.data.phases.test.commands;
  const commands = own.length > 0 ? own : (loaded.data.test.commands ?? []);
  return { commands, timeoutMs: loaded.data.phases.test.timeout * 1000 };
}

export function workflowSettings(loaded: LoadedPipelineConfig) {
  const workflow = loaded.data.workflow;
  const rawWorkflow = (loaded.raw.workflow ?? {}) as Record<string, unknown>;
  const legacyRounds = loaded.data.writer.max_repair_iterations;
  return {
    requireApproval: workflow.require_plan_approval,
    worktreeRoot: workflow.worktree_root,
    branchPrefix: workflow.branch_prefix,
    maxFixRounds: rawWorkflow.max_fix_rounds === undefined && legacyRounds !== undefined ? legacyRounds : workflow.max_fix_rounds,
    allowApplyWithoutTests: workflow.allow_apply_without_tests,
  };
}

/**
 * The whole resolved configuration, as `config show` and `doctor` print it, under the file's own
 * keys (`timeout` in seconds, `max_fix_rounds`), so what it shows can be written back; errors per
 * phase, not thrown.
 */
export function describePipelineConfig(loaded: LoadedPipelineConfig, server?: Config) {
  const phases: Record<string, unknown> = {};
  for (const phase of AGENT_PHASES) {
    try {
      const { custom: _custom, phase: _phase, timeoutMs, ...resolved } = resolvePhase(loaded, phase, server);
      phases[phase] = { ...resolved, ...(timeoutMs !== undefined && { timeout: timeoutMs / 1000 }) };
    } catch (error) {
      const failure = error instanceof PatchbayError ? error : new PatchbayError("internal_error", String(error));
      phases[phase] = { error: failure.toJSON() };
    }
  }
  const test = testSettings(loaded);
  phases.test = { commands: test.commands, timeout: test.timeoutMs / 1000 };
  const workflow = workflowSettings(loaded);
  return {
    file: loaded.file ?? null,
    legacy: loaded.legacy,
    phases,
    providers: providerRoles(loaded.data),
    workflow: {
      require_plan_approval: workflow.requireApproval,
      worktree_root: workflow.worktreeRoot,
      branch_prefix: workflow.branchPrefix,
      max_fix_rounds: workflow.maxFixRounds,
      allow_apply_without_tests: workflow.allowApplyWithoutTests,
    },
  };
}

/** `raw[a][b]…` as a table, made when missing. */
export function tableAt(raw: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  let node = raw;
  for (const key of keys) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== "object" || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  return node;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
