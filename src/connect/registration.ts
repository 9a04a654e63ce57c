import { PatchbayError } from "../errors/index.ts";
import type { HostId } from "./hosts.ts";

/** What a host should start or call to reach patchbay. */
export type Registration =
  | { transport: "stdio"; command: string; args: string[]; env: Record<string, string> }
  | { transport: "http"; url: string; tokenEnv: string; /** Set only with --embed-token. */ token?: string };

export interface EntryOptions {
  /** Gemini's `trust: true` (skip its per-call confirmations); only when asked. */
  trust?: boolean;
}

/** The JSON or TOML value a host stores under `mcpServers.patchbay` / `[mcp_servers.patchbay]`. */
export function hostEntry(host: HostId, registration: Registration, options: EntryOptions = {}): Record<string, unknown> {
  if (registration.transport === "stdio") return stdioEntry(host, registration, options);
  return httpEntry(host, registration);
}

function stdioEntry(host: HostId, { command, args, env }: Extract<Registration, { transport: "stdio" }>, options: EntryOptions): Record<string, unknown> {
  const hasEnv = Object.keys(env).length > 0;
  switch (host) {
    case "codex":
      // `codex exec` refuses mutating MCP tools under approval "never" unless the server approves them.
      return { command, args, ...(hasEnv && { env }), default_tools_approval_mode: "approve" };
    case "claude":
      return { type: "stdio", command, args, env };
    case "claude-desktop":
      return { command, args, env };
    case "gemini":
      return { command, args, ...(hasEnv && { env }), ...(options.trust && { trust: true }) };
  }
}

function httpEntry(host: HostId, { url, tokenEnv, token }: Extract<Registration, { transport: "http" }>): Record<string, unknown> {
  switch (host) {
    case "codex":
      return token
        ? { url, http_headers: { Authorization: `Bearer ${token}` }, default_tools_approval_mode: "approve" }
        : { url, bearer_token_env_var: tokenEnv, default_tools_approval_mode: "approve" };
    case "claude":
      // Claude Code expands ${VAR} in server definitions when it starts them.
      return { type: "http", url, headers: { Authorization: `Bearer ${token ?? `\${${tokenEnv}}`}` } };
    case "gemini":
      // Gemini CLI expands $VAR and ${VAR} in every settings.json string.
      return { url, type: "http", headers: { Authorization: `Bearer ${token ?? `\${${tokenEnv}}`}` } };
    case "claude-desktop":
      throw new PatchbayError("invalid_flag", "Claude Desktop's config file registers local (stdio) servers only; remote servers are added in its Settings → Connectors", {
        next: "run `patchbay mcp install claude-desktop` without --http",
      });
  }
}

/** The entry with an embedded token replaced, for printing. */
export function redactEntry(entry: Record<string, unknown>, token: string | undefined): Record<string, unknown> {
  if (!token) return entry;
  return JSON.parse(JSON.stringify(entry).replaceAll(token, "[redacted]")) as Record<string, unknown>;
}

export interface StdioOptions {
  /** The argv that runs this patchbay (`selfCommand()`); its first word becomes `command`. */
  self: string[];
  root: string;
  allowRoots?: string[];
  toolMode?: string;
  profile?: string;
  /** `full`: this host's sessions get direct writes, bash full and session reads (`stdio --power full`). */
  power?: "safe" | "full";
  standalone?: boolean;
  /** PATCHBAY_HOME to pass on when it is not the default, so the host's patchbay shares this state. */
  patchbayHome?: string;
}

/**
 * `<this binary> stdio --root <repo> …` as a host should start it: absolute paths only, because
 * hosts start servers from a working directory of their choosing.
 */
export function stdioRegistration(options: StdioOptions): Registration {
  const [command, ...prefix] = options.self as [string, ...string[]];
  const args = [...prefix, "stdio", "--root", options.root];
  for (const dir of options.allowRoots ?? []) args.push("--allow-root", dir);
  if (options.toolMode) args.push("--tool-mode", options.toolMode);
  if (options.profile) args.push("--profile", options.profile);
  if (options.power === "full") args.push("--power", "full");
  if (options.standalone) args.push("--standalone");
  return { transport: "stdio", command, args, env: options.patchbayHome ? { PATCHBAY_HOME: options.patchbayHome } : {} };
}
