/**
 * The built-in agents, declared once: adding an adapter is its own file plus one line here.
 * Everything else that lists agents (the doctor, worker menus, pipeline providers, the names
 * `[agents.commands]` accepts: config-names.ts) reads this record; config names no agent.
 *
 * @example
 * Object.keys(AGENTS); // ["codex", "claude", "gemini", "mock"]
 */
import type { Config } from "../config/index.ts";
import { claude } from "./claude.ts";
import { codex } from "./codex.ts";
import { gemini } from "./gemini.ts";
import { mock } from "./mock.ts";
import type { BuiltinAgentName } from "./names.ts";
import type { AgentAdapter } from "./types.ts";

export { AGENT_NAMES, type BuiltinAgentName, isBuiltinAgent } from "./names.ts";

/** The built-in agents by name, in the order names.ts lists them (and no other). */
export const AGENTS = { codex, claude, gemini, mock } as const satisfies Record<BuiltinAgentName, AgentAdapter>;

/**
 * The built-in agents that are separate CLIs logging in to a model provider: each declares its
 * credentials (mock calls no model and declares none). `patchbay doctor` checks these.
 */
export function agentClis(): AgentAdapter[] {
  return Object.values(AGENTS).filter((adapter: AgentAdapter) => adapter.env.credentials !== undefined);
}

/** The provider id a pipeline phase names to run this built-in agent: `codex_cli`, or what the adapter declares. */
export function pipelineProvider(adapter: AgentAdapter): string {
  return adapter.pipelineProvider ?? `${adapter.name}_cli`;
}

/**
 * The value of the adapter's declared config key (`agents.commands.codex`,
 * `agents.custom.<id>.command`), or undefined when the config does not set it.
 */
export function configuredCommand(adapter: AgentAdapter, config: Config): string | undefined {
  let value: unknown = config;
  for (const part of adapter.configKey.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === "string" ? value : undefined;
}
