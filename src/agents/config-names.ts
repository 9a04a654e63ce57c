/**
 * The agent names a configuration uses (`[agents.commands]`, `[workers.models]`, custom agent
 * ids), checked against the registry: config names no agent, so this is the one place above it
 * that knows which names are built-in. Every command that loads the configuration goes through
 * `loadCheckedConfig`; `patchbay settings set` passes `checkAgentNames` to the profile it writes.
 *
 * @example
 * const config = await loadCheckedConfig({ home: patchbayHome() });
 */
import { type Config, configFile, type LoadOptions, loadConfig, patchbayHome, profileFile } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { AGENT_NAMES, isBuiltinAgent } from "./names.ts";

/**
 * Refuses a name in `[agents.commands]` or `[workers.models]` that is no built-in agent, and a
 * `[agents.custom.<id>]` whose id is one; `where` names the file(s) the configuration came from.
 */
export function checkAgentNames(config: Pick<Config, "agents" | "workers">, where = "config.toml"): void {
  const builtins = AGENT_NAMES.join(", ");
  const problems = [
    ...Object.keys(config.agents.commands)
      .filter((name) => !isBuiltinAgent(name))
      .map((name) => `agents.commands.${name}: "${name}" is not a built-in agent (${builtins}); a program of your own is an [agents.custom.${name}] table`),
    ...Object.keys(config.workers.models)
      .filter((name) => !isBuiltinAgent(name))
      .map((name) => `workers.models.${name}: "${name}" is not a built-in agent (${builtins})`),
    ...Object.keys(config.agents.custom)
      .filter(isBuiltinAgent)
      .map((id) => `agents.custom.${id}: "${id}" is a built-in agent's name; give the custom agent an id of its own`),
  ];
  if (problems.length === 0) return;
  throw new PatchbayError("config_invalid", [`${where}: invalid configuration`, ...problems.map((problem) => `  ${problem}`)].join("\n"), {
    next: `fix the keys listed above in ${where}: [agents.commands] and [workers.models] (and their older <name>_command and <name>_models spellings) take only ${builtins}`,
    details: { problems, builtin_agents: AGENT_NAMES },
  });
}

/** `loadConfig` with the agent names checked: what every command that reads the configuration calls. */
export async function loadCheckedConfig(options: LoadOptions = {}): Promise<Config> {
  const config = await loadConfig(options);
  const home = options.home ?? patchbayHome(options.env);
  const files = [options.base?.file ?? configFile(home), ...(options.profile === undefined ? [] : [profileFile(home, options.profile)])];
  checkAgentNames(config, files.join(" or "));
  return config;
}
