/**
 * The built-in agents' names, apart from their adapters: checking a config's agent names
 * (config-names.ts, on every `patchbay stdio`) needs only these, not the adapters' code.
 * registry.ts holds the adapters to exactly this list.
 */
export const AGENT_NAMES = ["codex", "claude", "gemini", "mock"] as const;

export type BuiltinAgentName = (typeof AGENT_NAMES)[number];

export function isBuiltinAgent(name: string): name is BuiltinAgentName {
  return (AGENT_NAMES as readonly string[]).includes(name);
}
