/**
 * What a running server applies to every session: tool mode, roots and power switches. Its
 * status reports them, because a second `patchbay start` only adds a port to that server: the
 * launch flags it was given cannot change them, so it must neither print them as if they
 * applied nor let a conflicting power flag pass silently.
 */
import type { Config, LaunchFlags } from "../config/index.ts";

export interface RunningSettings {
  tool_mode: Config["app"]["tool_mode"];
  default_root: string;
  allowed_roots: string[];
  direct_write: boolean;
  bash_mode: Config["power_tools"]["bash_mode"];
  codex_session_read: boolean;
}

export function runningSettings(config: Config): RunningSettings {
  return {
    tool_mode: config.app.tool_mode,
    default_root: config.repositories.default,
    allowed_roots: [...config.repositories.allowed],
    direct_write: config.power_tools.direct_write,
    bash_mode: config.power_tools.bash_mode,
    codex_session_read: config.power_tools.codex_session_read,
  };
}

/** Which launch flags set each setting (a named --profile may set any of them). */
const ASKED_BY: Record<keyof RunningSettings, Array<keyof LaunchFlags>> = {
  tool_mode: ["toolMode"],
  default_root: ["root"],
  allowed_roots: ["root", "allowRoot"],
  direct_write: ["power", "directWrite"],
  bash_mode: ["power", "bashMode"],
  codex_session_read: ["power", "codexSessionRead"],
};

const shown = (value: unknown) => (Array.isArray(value) ? `[${value.join(", ")}]` : JSON.stringify(value));
const same = (a: unknown, b: unknown) => shown(Array.isArray(a) ? [...a].sort() : a) === shown(Array.isArray(b) ? [...b].sort() : b);

/**
 * The settings this start asked for (by a flag, or any of them by a named profile) that differ
 * from the running server's, one line each: "direct_write: asked true, the server uses false".
 */
export function settingsConflicts(wanted: RunningSettings, running: RunningSettings, flags: LaunchFlags, profileNamed: boolean): string[] {
  return (Object.keys(ASKED_BY) as Array<keyof RunningSettings>)
    .filter((key) => profileNamed || ASKED_BY[key].some((flag) => flags[flag] !== undefined))
    .filter((key) => !same(wanted[key], running[key]))
    .map((key) => `${key}: asked ${shown(wanted[key])}, the server uses ${shown(running[key])}`);
}

/** `config` with the running server's settings in place of this process's, for a guide that tells the truth. */
export function withRunningSettings(config: Config, running: RunningSettings): Config {
  return {
    ...config,
    app: { ...config.app, tool_mode: running.tool_mode },
    repositories: { ...config.repositories, default: running.default_root, allowed: running.allowed_roots },
    power_tools: { ...config.power_tools, direct_write: running.direct_write, bash_mode: running.bash_mode, codex_session_read: running.codex_session_read },
  };
}
