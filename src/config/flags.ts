import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { PatchbayError } from "../errors/index.ts";
import type { ConfigLayer } from "./layers.ts";
import { BASH_MODES, TOOL_MODES, integerIn, listOf, nonEmpty, oneOf, trueOrFalse } from "./schema.ts";

/**
 * The launch flags shared by `start` and `stdio`. Unlike the file, `port` may be 0 (any free port),
 * which is why flags are checked here and laid over the config after the file is validated.
 */
const flagsSchema = v.object({
  root: v.optional(nonEmpty("a directory")),
  allowRoot: v.optional(listOf(nonEmpty("a directory"), "a list of directories")),
  host: v.optional(nonEmpty("a host name or IP address")),
  port: v.optional(integerIn(0, 65535)),
  toolMode: v.optional(oneOf(TOOL_MODES)),
  power: v.optional(oneOf(["safe", "full"])),
  directWrite: v.optional(trueOrFalse()),
  bashMode: v.optional(oneOf(BASH_MODES)),
  codexSessionRead: v.optional(trueOrFalse()),
});

export type LaunchFlags = v.InferInput<typeof flagsSchema>;

/** `--power` presets; `safe` is the defaults, so it can undo a profile that turned power on. */
const POWER_PRESETS = {
  safe: { direct_write: false, bash_mode: "off", codex_session_read: false },
  full: { direct_write: true, bash_mode: "full", codex_session_read: true },
} as const;

/**
 * The flags as a config layer. Only the keys listed here are copied, so nothing else a caller
 * passes along (such as a token) can reach a config or a saved profile.
 *
 * @example
 * flagsLayer({ port: 9000, power: "full", bashMode: "safe" }, process.cwd());
 * // { server: { port: 9000 }, power_tools: { direct_write: true, bash_mode: "safe", codex_session_read: true } }
 */
export function flagsLayer(flags: LaunchFlags, cwd: string): ConfigLayer {
  const checked = checkFlags(flags);
  const sections = {
    server: definedOnly({ host: checked.host, port: checked.port }),
    app: definedOnly({ tool_mode: checked.toolMode }),
    power_tools: {
      ...(checked.power && POWER_PRESETS[checked.power]),
      // Single switches win over --power.
      ...definedOnly({ direct_write: checked.directWrite, bash_mode: checked.bashMode, codex_session_read: checked.codexSessionRead }),
    },
    repositories: rootsLayer(checked.root, checked.allowRoot ?? [], cwd),
  };
  return Object.fromEntries(Object.entries(sections).filter(([, section]) => Object.keys(section).length > 0));
}

function checkFlags(flags: LaunchFlags): v.InferOutput<typeof flagsSchema> {
  const result = v.safeParse(flagsSchema, flags, { abortPipeEarly: true });
  if (result.success) return result.output;
  const lines = result.issues.map((issue) => `${flagName(issue)}: ${issue.message}`);
  throw new PatchbayError("invalid_flag", lines.join("\n"), { next: "fix the flag on the command line; `patchbay start --help` lists the values" });
}

/** `allowRoot` becomes `--allow-root`, so messages name the flag the person typed. */
function flagName(issue: v.BaseIssue<unknown>): string {
  const key = String(issue.path?.[0]?.key ?? "");
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function definedOnly<T extends Record<string, unknown>>(entries: T): Partial<T> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** `--root` sets the default and narrows the allowed list; `--allow-root` alone only narrows it. */
function rootsLayer(root: string | undefined, allowRoots: string[], cwd: string): Record<string, unknown> {
  const allowed = allowRoots.map((dir) => resolveRoot(dir, cwd, "--allow-root"));
  if (root === undefined) return allowed.length > 0 ? { allowed } : {};
  const resolvedRoot = resolveRoot(root, cwd, "--root");
  return { default: resolvedRoot, allowed: [...new Set([resolvedRoot, ...allowed])] };
}

/** An existing directory as its real absolute path, so symlinked roots compare equal later. */
function resolveRoot(dir: string, cwd: string, flag: string): string {
  const absolute = resolve(cwd, dir);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw rootError(flag, dir, code === "ENOENT" ? `${absolute} does not exist` : `${absolute} cannot be opened (${code})`, error);
  }
  if (!statSync(real).isDirectory()) throw rootError(flag, dir, `${absolute} is not a directory`);
  return real;
}

function rootError(flag: string, dir: string, problem: string, cause?: unknown): PatchbayError {
  return new PatchbayError("invalid_root", `${flag} ${dir}: ${problem}`, {
    next: `pass an existing directory to ${flag} (relative paths start at the current directory)`,
    details: { flag, root: dir },
    cause,
  });
}
