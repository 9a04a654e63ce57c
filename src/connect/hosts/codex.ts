import { join } from "node:path";
import type { Env } from "../../config/index.ts";
import { expandedHttpTarget, type EntryTarget, type HostAdapter, stdioTarget } from "./adapter.ts";

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
  target: (entry, env) => stdioTarget(entry) ?? httpTarget(entry, env),
  listCommand: ["codex", "mcp", "list"],
  next: "start `codex` in the repository and ask it to call codex_self_test",
  // Codex 0.171.0 reads a repository's skills from .agents/skills (its own config is user-wide only).
  skillsFolder: (_scope, { root }) => join(root, ".agents", "skills"),
  entryWarning: (entry) =>
    entry.default_tools_approval_mode === "approve" ? undefined : 'default_tools_approval_mode is not "approve", so `codex exec` refuses mutating tools',
};

/** Codex's headers: `http_headers` as written, `env_http_headers` and `bearer_token_env_var` from the environment. */
function httpTarget(entry: Record<string, any>, env: Env): EntryTarget | undefined {
  const target = expandedHttpTarget(entry.url, entry.http_headers, env);
  if (target?.transport !== "http") return target;
  for (const [key, variable] of Object.entries(entry.env_http_headers ?? {})) target.headers[key] = env[String(variable)] ?? "";
  if (typeof entry.bearer_token_env_var === "string" && env[entry.bearer_token_env_var])
    target.headers.authorization = `Bearer ${env[entry.bearer_token_env_var]}`;
  return target;
}
