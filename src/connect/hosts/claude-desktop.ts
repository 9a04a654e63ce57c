import { join } from "node:path";
import type { Env } from "../../config/index.ts";
import { type HostAdapter, stdioTarget } from "./adapter.ts";

/** Claude Desktop: one per-user `claude_desktop_config.json`, local (stdio) servers only. */
export const claudeDesktop: HostAdapter = {
  id: "claude-desktop",
  title: "Claude Desktop",
  configHint: "claude_desktop_config.json",
  scopes: ["user"],
  defaultScope: "user",
  locate: (_scope, { env, home, platform, name }) => ({ file: claudeDesktopFile(home, env, platform), format: "json", path: ["mcpServers", name] }),
  stdioEntry: ({ command, args, env }) => ({ command, args, env }),
  target: stdioTarget,
  noHttp: {
    message: "Claude Desktop's config file registers local (stdio) servers only; remote servers are added in its Settings → Connectors",
    next: "run `patchbay mcp install claude-desktop` without --http",
  },
  next: "restart Claude Desktop, then ask it to call codex_self_test",
};

/** macOS and Windows are Anthropic's locations; Linux has no official build, so the XDG place community builds use. */
function claudeDesktopFile(home: string, env: Env, platform: NodeJS.Platform): string {
  if (platform === "darwin") return join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json");
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json");
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "Claude", "claude_desktop_config.json");
}
