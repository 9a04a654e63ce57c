import type { Config } from "../config/index.ts";
import { selfCommand } from "../runtime/index.ts";

export interface SetupGuide {
  server_url: string;
  tool_mode: string;
  allowed_roots: string[];
  auth: { required: boolean; token_env: string; token_set: boolean; token: string | null; query_token_allowed: boolean };
  power_tools: Config["power_tools"];
  hosts: Record<string, string>;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * What a person needs to connect a host: the URL, the auth choice, the tool mode, and the exact
 * snippet for each host. The token itself appears only when `revealToken` is set.
 */
export function setupGuide(config: Config, url: string, token: string | undefined, revealToken: boolean): SetupGuide {
  const tokenEnv = config.auth.token_env;
  const bearer = token ? ` --header "Authorization: Bearer $${tokenEnv}"` : "";
  const stdio = [...selfCommand(), "stdio", ...(config.repositories.default ? ["--root", config.repositories.default] : [])].map(shellQuote).join(" ");
  const geminiServer = token ? { httpUrl: url, headers: { Authorization: `Bearer $${tokenEnv}` } } : { httpUrl: url };
  return {
    server_url: url,
    tool_mode: config.app.tool_mode,
    allowed_roots: config.repositories.allowed,
    auth: {
      required: token !== undefined,
      token_env: tokenEnv,
      token_set: token !== undefined,
      token: token === undefined ? null : revealToken ? token : "[redacted]",
      query_token_allowed: config.auth.allow_query_token,
    },
    power_tools: config.power_tools,
    hosts: {
      claude_code: `claude mcp add --transport http patchbay ${url}${bearer}`,
      codex: [`[mcp_servers.patchbay]`, `url = "${url}"`, ...(token ? [`bearer_token_env_var = "${tokenEnv}"`] : [])].join("\n"),
      gemini: JSON.stringify({ mcpServers: { patchbay: geminiServer } }),
      stdio_any_host: stdio,
      chatgpt: `ChatGPT developer mode needs a public HTTPS URL: expose ${url} through a tunnel, then add <public URL>/mcp${token ? `?patchbay_token=<token from ${tokenEnv}>` : ""} as a connector`,
    },
  };
}

export function printGuide(guide: SetupGuide, listening: boolean): string {
  const auth = guide.auth.required
    ? `bearer token from $${guide.auth.token_env} (${guide.auth.token})${guide.auth.query_token_allowed ? `; ?patchbay_token= also accepted` : ""}`
    : "none (loopback only)";
  return [
    `patchbay ${listening ? "is serving" : "would serve"} MCP at ${guide.server_url}`,
    `  auth:       ${auth}`,
    `  tool mode:  ${guide.tool_mode}`,
    `  roots:      ${guide.allowed_roots.join(", ") || "none (pass --root DIR)"}`,
    "",
    "Connect a host:",
    `  Claude Code: ${guide.hosts.claude_code}`,
    `  Codex CLI (~/.codex/config.toml):`,
    ...guide.hosts.codex!.split("\n").map((line) => `    ${line}`),
    `  Gemini CLI (settings.json): ${guide.hosts.gemini}`,
    `  Any stdio host: ${guide.hosts.stdio_any_host}`,
    `  ChatGPT: ${guide.hosts.chatgpt}`,
  ].join("\n");
}
