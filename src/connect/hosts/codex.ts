import { join } from "node:path";
import type { HostAdapter } from "./adapter.ts";

/** Codex CLI: `$CODEX_HOME/config.toml` (default `~/.codex`), `[mcp_servers.<name>]`. */
export const codex: HostAdapter = {
  id: "codex",
  title: "Codex",
  configHint: "~/.codex/config.toml",
  scopes: ["user"],
  defaultScope: "user",
  locate: (_scope, { env, home, name }) => ({
    file: join(env.CODEX_HOME || join(home, ".codex"), "config.toml"),
    format: "toml",
    path: ["mcp_servers", name],
    dirMustExist: Boolean(env.CODEX_HOME),
  }),
  // `codex exec` refuses mutating MCP tools under approval "never" unless the server approves them.
  stdioEntry: ({ command, args, env }) => ({ command, args, ...(Object.keys(env).length > 0 && { env }), default_tools_approval_mode: "approve" }),
  // Codex reads the token from an environment variable it names, not from a `${VAR}` in the file.
  httpEntry: ({ url, tokenEnv, token }) => ({
    url,
    ...(token ? { http_headers: { Authorization: `Bearer ${token}` } } : tokenEnv && { bearer_token_env_var: tokenEnv }),
    default_tools_approval_mode: "approve",
  }),
  listCommand: ["codex", "mcp", "list"],
  next: "start `codex` in the repository and ask it to call codex_self_test",
  entryWarning: (entry) =>
    entry.default_tools_approval_mode === "approve" ? undefined : 'default_tools_approval_mode is not "approve", so `codex exec` refuses mutating tools',
};
