import type { ArgsDef } from "citty";
import type { LaunchFlags } from "../config/index.ts";

/** Flags `start` and `stdio` share: what a session may touch and which tools it sees. */
export const launchArgs = {
  root: { type: "string", description: "Default workspace; narrows the allowed roots to it (plus --allow-root)", valueHint: "DIR" },
  "allow-root": { type: "string", description: "Another directory sessions may use (repeatable)", valueHint: "DIR" },
  "tool-mode": { type: "enum", options: ["minimal", "worker", "standard", "full"], description: "Tool catalog a new session starts with" },
  config: {
    type: "string",
    description:
      "Use FILE instead of $PATCHBAY_HOME/config.toml: patchbay's TOML, or the original PatchBay's config.yaml (converted as `settings import` does)",
    valueHint: "FILE",
  },
  profile: { type: "string", description: "Load profiles/NAME.toml from PATCHBAY_HOME over config.toml", valueHint: "NAME" },
  power: { type: "enum", options: ["safe", "full"], description: "safe: power tools off (default); full: direct write, bash full, session reads" },
  "direct-write": { type: "boolean", description: "Allow the direct write and edit tools (power_tools.direct_write)" },
  "bash-mode": { type: "enum", options: ["off", "safe", "full"], description: "Command execution: off, an allowlist (safe), or anything (full)" },
  "codex-session-read": { type: "boolean", description: "Allow reading Codex session transcripts (power_tools.codex_session_read)" },
} as const satisfies ArgsDef;

/**
 * Every value of a repeatable flag (`--name V` or `--name=V`), in order. citty keeps only the
 * last value of a repeated string flag, so these are read from the raw arguments.
 */
export function repeatedFlag(rawArgs: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < rawArgs.length; index++) {
    const word = rawArgs[index]!;
    if (word === "--") break;
    if (word.startsWith(`--${name}=`)) values.push(word.slice(name.length + 3));
    else if (word === `--${name}` && rawArgs[index + 1] !== undefined) values.push(rawArgs[++index]!);
  }
  return values;
}

/** The parsed flags in the config module's shape (only those given on the command line). */
export function launchFlags(args: Record<string, unknown>, rawArgs: readonly string[]): LaunchFlags {
  const flags: LaunchFlags = {};
  if (args.root !== undefined) flags.root = String(args.root);
  const allowRoot = repeatedFlag(rawArgs, "allow-root");
  if (allowRoot.length > 0) flags.allowRoot = allowRoot;
  if (args.host !== undefined) flags.host = String(args.host);
  // Numeric text becomes a number; anything else goes on as given so the config module names it in its error.
  if (args.port !== undefined) flags.port = (/^\d+$/.test(String(args.port)) ? Number(args.port) : args.port) as number;
  if (args["tool-mode"] !== undefined) flags.toolMode = args["tool-mode"] as LaunchFlags["toolMode"];
  if (args.power !== undefined) flags.power = args.power as LaunchFlags["power"];
  if (args["direct-write"] !== undefined) flags.directWrite = Boolean(args["direct-write"]);
  if (args["bash-mode"] !== undefined) flags.bashMode = args["bash-mode"] as LaunchFlags["bashMode"];
  if (args["codex-session-read"] !== undefined) flags.codexSessionRead = Boolean(args["codex-session-read"]);
  return flags;
}
