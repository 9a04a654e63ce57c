/**
 * Files that tell an agent or an MCP host which programs to run: hooks, MCP server commands,
 * permission rules, custom commands that run shell lines. A change to one of them in the base
 * checkout runs what it names the next time the user's own Claude Code, Codex, Gemini CLI,
 * Cursor, VS Code or another host opens the repository (patchbay's own agents leave a
 * repository's settings out unless agents.repository_settings, src/agents/gemini-repository.ts).
 * So writing one there is command execution, the `exec` capability, whoever wrote it: a worker
 * or job whose change is integrated, a pipeline run's apply, or a direct write (docs/security.md,
 * "Agent configuration in the base checkout is `exec`").
 */
import { comparableName } from "./names.ts";

/**
 * Folders whose every file configures an agent or host, at any depth (`.claude/settings.json`,
 * `.claude/commands/x.md`, `.gemini/commands/x.toml`): the three CLIs patchbay drives, then other
 * hosts that read MCP server commands or hooks from the repository (Cursor, Amazon Q, Continue,
 * Kiro, OpenCode, Roo Code, Zed, Qwen Code, Kilo Code old and new, JetBrains Junie, Windsurf's
 * Cascade hooks).
 */
const CONFIG_FOLDERS = new Set([
  ".claude",
  ".codex",
  ".gemini",
  ".cursor",
  ".amazonq",
  ".continue",
  ".kiro",
  ".opencode",
  ".roo",
  ".zed",
  ".qwen",
  ".kilocode",
  ".kilo",
  ".junie",
  ".windsurf",
]);
/**
 * Single files that do, at any depth: the MCP servers of Claude Code, VS Code, OpenCode and Kilo
 * Code; Crush's MCP servers and language servers; Aider's lint and test commands, which it runs
 * after every edit.
 */
const CONFIG_FILES = new Set([
  ".mcp.json",
  ".vscode/mcp.json",
  "opencode.json",
  "opencode.jsonc",
  "kilo.json",
  "kilo.jsonc",
  "crush.json",
  ".crush.json",
  ".aider.conf.yml",
]);
/** The folders those files sit in (`.vscode`): a change at such a folder's own name is a link that would redirect them. */
const HOLDS_CONFIG_FILES = new Set([...CONFIG_FILES].filter((file) => file.includes("/")).map((file) => file.split("/")[0]!));

/**
 * Whether `path` (relative to the repository, `/`-separated) is agent or host configuration.
 * Compared as the most lenient file system compares names (names.ts): on macOS
 * `.Claude/Settings.json` is the same file.
 *
 * @example
 * isAgentConfig("packages/api/.claude/settings.json"); // true
 * isAgentConfig("docs/claude.md"); // false
 */
export function isAgentConfig(path: string): boolean {
  const segments = path.split("/").filter(Boolean).map(comparableName);
  const last = segments.at(-1);
  if (last === undefined) return false;
  // Inside a configuration folder, or at its own name: a change at `.claude` itself is a file or
  // a symlink there, and a link `.claude` → `notes/` makes every file under notes/ configuration.
  if (segments.some((segment) => CONFIG_FOLDERS.has(segment)) || HOLDS_CONFIG_FILES.has(last)) return true;
  return CONFIG_FILES.has(last) || CONFIG_FILES.has(segments.slice(-2).join("/"));
}

/** The paths among `paths` that are agent or host configuration, in order. */
export function agentConfigAmong(paths: readonly string[]): string[] {
  return paths.filter(isAgentConfig);
}
