import type { Config } from "../config/index.ts";
import type { SessionScope } from "../mcp/index.ts";

/** The roots and power switches a session gets from the effective configuration. */
export function scopeFromConfig(config: Config): SessionScope {
  return {
    defaultRoot: config.repositories.default || undefined,
    allowedRoots: [...config.repositories.allowed],
    power: {
      directWrite: config.power_tools.direct_write,
      bashMode: config.power_tools.bash_mode,
      codexSessionRead: config.power_tools.codex_session_read,
    },
  };
}
