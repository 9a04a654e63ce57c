/**
 * The install hosts, one file each, keyed by the name `patchbay mcp install` takes. Adding a host
 * is one file exporting a `HostAdapter` plus one line here.
 *
 * @example
 * locate("claude", "local", { root: "/src/app" }); // { file: "~/.claude.json", path: ["projects", "/src/app", "mcpServers", "patchbay"], … }
 */
import { homedir } from "node:os";
import type { Env } from "../../config/index.ts";
import { PatchbayError } from "../../errors/index.ts";
import type { HostAdapter, HostLocation } from "./adapter.ts";
import { claude } from "./claude.ts";
import { claudeDesktop } from "./claude-desktop.ts";
import { codex } from "./codex.ts";
import { gemini } from "./gemini.ts";

export const HOSTS = {
  codex,
  claude,
  "claude-desktop": claudeDesktop,
  gemini,
} as const satisfies Record<string, HostAdapter>;

export type HostId = keyof typeof HOSTS;
export const HOST_IDS = Object.keys(HOSTS) as HostId[];

export function isHostId(value: string): value is HostId {
  return Object.hasOwn(HOSTS, value);
}

export function assertHostId(value: string): HostId {
  if (isHostId(value)) return value;
  throw new PatchbayError("invalid_host", `unknown host "${value}"; hosts: ${HOST_IDS.join(", ")}`, { next: `pass one of ${HOST_IDS.join(", ")}` });
}

export function hostAdapter(host: HostId): HostAdapter {
  return HOSTS[host];
}

/** `--scope` help: the hosts with a choice, their scopes, the default first. */
export function scopeHelp(): string {
  return HOST_IDS.filter((id) => HOSTS[id].scopes.length > 1)
    .map((id) => {
      const { scopes, defaultScope } = hostAdapter(id);
      const named = [`${defaultScope} (default)`, ...scopes.filter((scope) => scope !== defaultScope)];
      return `${id}: ${named.slice(0, -1).join(", ")} or ${named.at(-1)}`;
    })
    .join("; ");
}

export interface LocateOptions {
  /** The repository the registration is for (Claude's local and project scopes, Gemini's project scope). */
  root: string;
  env?: Env;
  platform?: NodeJS.Platform;
  name?: string;
}

/**
 * The file and key path where `host` keeps a server at `scope` (default: the host's own default),
 * following each host's own rules: CODEX_HOME, CLAUDE_CONFIG_DIR, GEMINI_CLI_HOME, and Claude
 * Desktop's per-platform directory.
 */
export function locate(host: HostId, scope: string | undefined, options: LocateOptions): HostLocation {
  const adapter = hostAdapter(host);
  const chosen = scope ?? adapter.defaultScope;
  if (!adapter.scopes.includes(chosen)) {
    throw new PatchbayError("invalid_scope", `${host} has no "${chosen}" scope; scopes: ${adapter.scopes.join(", ")}`, {
      next: `pass --scope ${adapter.scopes.join("|")}${adapter.scopes.length === 1 ? " or leave it out" : ""}`,
    });
  }
  const env = options.env ?? process.env;
  const context = { root: options.root, env, home: env.HOME || homedir(), platform: options.platform ?? process.platform, name: options.name ?? "patchbay" };
  return { host, scope: chosen, ...adapter.locate(chosen, context) };
}

export type { EntryOptions, HostAdapter, HostLocation, HttpRegistration, LocateContext, Registration, StdioRegistration } from "./adapter.ts";
