import { join } from "node:path";
import { claudeSettingsLocation, claudeSkillsFolder } from "../claude-hook.ts";
import { bearerHeaders, expandedHttpTarget, type HostAdapter, stdioTarget } from "./adapter.ts";

/**
 * Claude Code: `local` (this repository, in `~/.claude.json` under `projects`), `user` (the same
 * file, top level; `$CLAUDE_CONFIG_DIR` moves it) and `project` (`<root>/.mcp.json`).
 */
export const claude: HostAdapter = {
  id: "claude",
  title: "Claude Code",
  configHint: ".mcp.json",
  scopes: ["local", "user", "project"],
  defaultScope: "local",
  locate: (scope, { root, env, home, name }) => {
    if (scope === "project") return { file: join(root, ".mcp.json"), format: "json", path: ["mcpServers", name] };
    const file = join(env.CLAUDE_CONFIG_DIR || home, ".claude.json");
    return { file, format: "json", path: scope === "user" ? ["mcpServers", name] : ["projects", root, "mcpServers", name] };
  },
  stdioEntry: ({ command, args, env }) => ({ type: "stdio", command, args, env }),
  // Claude Code expands ${VAR} in server definitions when it starts them.
  httpEntry: (registration) => ({ type: "http", url: registration.url, ...bearerHeaders(registration) }),
  target: (entry, env) => stdioTarget(entry) ?? expandedHttpTarget(entry.url, entry.headers, env),
  listCommand: ["claude", "mcp", "list"],
  next: "run `claude mcp list` (it should say Connected), then ask Claude to call codex_self_test",
  hookLocation: claudeSettingsLocation,
  skillsFolder: claudeSkillsFolder,
};
