import { homedir } from "node:os";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import type { Env } from "../config/index.ts";

export const HOST_IDS = ["codex", "claude", "claude-desktop", "gemini"] as const;
export type HostId = (typeof HOST_IDS)[number];

/** Where a host keeps one registration: the file, its format, and the key path inside it. */
export interface HostLocation {
  host: HostId;
  scope: string;
  file: string;
  format: "toml" | "json";
  /** Keys from the top of the file to the server's entry (the last key is the server name). */
  path: string[];
  /** CODEX_HOME must already exist, as for codex itself. */
  dirMustExist?: boolean;
}

export const HOST_SCOPES: Record<HostId, { scopes: readonly string[]; fallback: string }> = {
  codex: { scopes: ["user"], fallback: "user" },
  claude: { scopes: ["local", "user", "project"], fallback: "local" },
  "claude-desktop": { scopes: ["user"], fallback: "user" },
  gemini: { scopes: ["project", "user"], fallback: "project" },
};

export function isHostId(value: string): value is HostId {
  return (HOST_IDS as readonly string[]).includes(value);
}

export function assertHostId(value: string): HostId {
  if (isHostId(value)) return value;
  throw new PatchbayError("invalid_host", `unknown host "${value}"; hosts: ${HOST_IDS.join(", ")}`, { next: `pass one of ${HOST_IDS.join(", ")}` });
}

export interface LocateOptions {
  /** The repository the registration is for (Claude's local and project scopes, Gemini's project scope). */
  root: string;
  env?: Env;
  platform?: NodeJS.Platform;
  name?: string;
}

/**
 * The file and key path where `host` keeps a server at `scope`, following each host's own rules:
 * CODEX_HOME, CLAUDE_CONFIG_DIR, GEMINI_CLI_HOME, and Claude Desktop's per-platform directory.
 *
 * @example
 * locate("claude", "local", { root: "/src/app" }); // { file: "~/.claude.json", path: ["projects", "/src/app", "mcpServers", "patchbay"], … }
 */
export function locate(host: HostId, scope: string | undefined, options: LocateOptions): HostLocation {
  const env = options.env ?? process.env;
  const name = options.name ?? "patchbay";
  const chosen = scope ?? HOST_SCOPES[host].fallback;
  if (!HOST_SCOPES[host].scopes.includes(chosen)) {
    throw new PatchbayError("invalid_scope", `${host} has no "${chosen}" scope; scopes: ${HOST_SCOPES[host].scopes.join(", ")}`, {
      next: `pass --scope ${HOST_SCOPES[host].scopes.join("|")}${HOST_SCOPES[host].scopes.length === 1 ? " or leave it out" : ""}`,
    });
  }
  const home = env.HOME || homedir();
  const base = { host, scope: chosen };
  switch (host) {
    case "codex":
      return { ...base, file: join(env.CODEX_HOME || join(home, ".codex"), "config.toml"), format: "toml", path: ["mcp_servers", name], dirMustExist: Boolean(env.CODEX_HOME) };
    case "claude": {
      if (chosen === "project") return { ...base, file: join(options.root, ".mcp.json"), format: "json", path: ["mcpServers", name] };
      const file = join(env.CLAUDE_CONFIG_DIR || home, ".claude.json");
      return { ...base, file, format: "json", path: chosen === "user" ? ["mcpServers", name] : ["projects", options.root, "mcpServers", name] };
    }
    case "claude-desktop":
      return { ...base, file: claudeDesktopFile(home, env, options.platform ?? process.platform), format: "json", path: ["mcpServers", name] };
    case "gemini": {
      const dir = chosen === "project" ? options.root : env.GEMINI_CLI_HOME || home;
      return { ...base, file: join(dir, ".gemini", "settings.json"), format: "json", path: ["mcpServers", name] };
    }
  }
}

/** macOS and Windows are Anthropic's locations; Linux has no official build, so the XDG place community builds use. */
function claudeDesktopFile(home: string, env: Env, platform: NodeJS.Platform): string {
  if (platform === "darwin") return join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json");
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json");
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "Claude", "claude_desktop_config.json");
}
