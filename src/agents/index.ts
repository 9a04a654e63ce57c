/**
 * Agent adapters: one per agent CLI behind one small interface (types.ts), chosen by name, and
 * `runAgent`, the one way to run an agent turn as a process group.
 *
 * @example
 * const adapter = resolveAdapter("codex", config);
 * const outcome = await runAgent({ adapter, turn, executable: agentExecutable(adapter, config), env, timeoutMs, idleTimeoutMs, killGraceMs, onEvent });
 */
import type { Config } from "../config/index.ts";
import { likelyMeant, PatchbayError } from "../errors/index.ts";
import { customAgent } from "./custom.ts";
import { agentEnvironment, childEnvironment, envPolicy, type SourceEnv } from "./environment.ts";
import { AGENT_NAMES, AGENTS, configuredCommand, isBuiltinAgent } from "./registry.ts";
import type { AgentAdapter } from "./types.ts";

export { customAgent };
export { checkAgentNames, loadCheckedConfig } from "./config-names.ts";
export { AGENT_NAMES, AGENTS, agentClis, type BuiltinAgentName, configuredCommand, isBuiltinAgent, pipelineProvider } from "./registry.ts";
export const { codex, claude, gemini, mock } = AGENTS;
export { type CredentialReport, credentialHint, credentialReport, withCredentialHint } from "./credentials.ts";
export { defineAgent } from "./define.ts";
export { GEMINI_API_ERROR_EXIT } from "./gemini.ts";
export { type RunOptions, type RunOutcome, runAgent } from "./run-agent.ts";
export { findExecutable } from "./spawn.ts";
export type * from "./types.ts";

/** Every agent name this config offers: the built-ins, then the custom ids. */
export function availableAgents(config: Config): string[] {
  return [...AGENT_NAMES, ...Object.keys(config.agents.custom)];
}

/** The adapter for a built-in name or a custom id; an unknown name is bad input (`unknown_agent`). */
export function resolveAdapter(name: string, config: Config): AgentAdapter {
  if (isBuiltinAgent(name)) return AGENTS[name];
  const custom = Object.hasOwn(config.agents.custom, name) ? config.agents.custom[name] : undefined;
  if (custom) return customAgent(name, custom);
  const meant = likelyMeant(name, availableAgents(config));
  throw new PatchbayError(
    "unknown_agent",
    `unknown agent "${name}"${meant ? ` (did you mean "${meant}"?)` : ""}; available: ${availableAgents(config).join(", ")}`,
    {
      next: `use one of those, or define it as [agents.custom.${name}] with a command in config.toml`,
      details: { agent: name, available: availableAgents(config) },
    },
  );
}

/** The executable to spawn for an adapter: the one its config key names, else its default. */
export function agentExecutable(adapter: AgentAdapter, config: Config): string {
  return configuredCommand(adapter, config) ?? adapter.defaultCommand;
}
/**
 * The environment of an agent run by name outside a job (`patchbay handoff execute`): what that
 * agent declares when patchbay knows it, else only the base list and the operator's additions.
 */
export function environmentForAgent(name: string, config: Config, source: SourceEnv = process.env): Record<string, string> {
  const known = isBuiltinAgent(name) || Object.hasOwn(config.agents.custom, name);
  return known ? agentEnvironment(resolveAdapter(name, config), envPolicy(config), {}, source) : childEnvironment(envPolicy(config), { source });
}
export { killGroup, superviseGroup, type StopReason, type Supervisor, type SupervisorOptions } from "./supervise.ts";
export {
  adapterPasses,
  agentEnvironment,
  BASE_ENV,
  BASE_ONLY,
  childEnvironment,
  commandEnvironment,
  type EnvPolicy,
  envPolicy,
  gitEnvironment,
  matchesAny,
  patchbayItselfEnvironment,
  type SourceEnv,
  tunnelEnvironment,
} from "./environment.ts";
