import { join } from "node:path";
import { bearerHeaders, expandedHttpTarget, type HostAdapter, stdioTarget } from "./adapter.ts";

/**
 * Gemini CLI: `<root>/.gemini/settings.json` (project) or `$GEMINI_CLI_HOME/.gemini/settings.json`
 * (user; default HOME). A remote server is `url` with `type: "http"`, as `gemini mcp add --transport
 * http` writes it; the older `httpUrl` key still works in 0.61 but is deprecated there.
 */
export const gemini: HostAdapter = {
  id: "gemini",
  title: "Gemini CLI",
  configHint: "settings.json",
  scopes: ["project", "user"],
  defaultScope: "project",
  locate: (scope, { root, env, home, name }) => ({
    file: join(scope === "project" ? root : env.GEMINI_CLI_HOME || home, ".gemini", "settings.json"),
    format: "json",
    path: ["mcpServers", name],
  }),
  stdioEntry: ({ command, args, env }, options) => ({ command, args, ...(Object.keys(env).length > 0 && { env }), ...(options.trust && { trust: true }) }),
  // Gemini CLI expands $VAR and ${VAR} in every settings.json string.
  httpEntry: (registration) => ({ url: registration.url, type: "http", ...bearerHeaders(registration) }),
  // Gemini prefers the deprecated `httpUrl` when an entry has both.
  target: (entry, env) => stdioTarget(entry) ?? expandedHttpTarget(entry.httpUrl ?? entry.url, entry.headers, env),
  listCommand: ["gemini", "mcp", "list"],
  next: "run `gemini mcp list` in the repository, then ask Gemini to call codex_self_test",
};
