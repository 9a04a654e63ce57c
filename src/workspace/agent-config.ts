/**
 * Files that make the user's tools run programs without asking: an agent's or an MCP host's hooks,
 * MCP server commands, permission rules, custom commands that run shell lines, and git hooks (a
 * hook manager's configuration, or the folder `core.hooksPath` names), which run at the user's
 * next commit: the step that follows an integration. A change to one of them in the base checkout
 * runs what it names the next time the user's own Claude Code, Codex, Gemini CLI, Cursor, VS Code
 * or another host opens the repository, or the user commits (patchbay's own agents leave a
 * repository's settings out unless agents.repository_settings, src/agents/gemini-repository.ts,
 * and patchbay's own git runs no hooks, git.ts). So writing one there is command execution, the
 * `exec` capability, whoever wrote it: a worker or job whose change is integrated, a pipeline
 * run's apply, or a direct write (docs/security.md, "Configuration that runs programs is `exec`").
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
  // Git hooks: husky's scripts, the usual core.hooksPath folder, lefthook's scripts.
  ".husky",
  ".githooks",
  ".lefthook",
  ".lefthook-local",
]);
/**
 * Single files that do, at any depth: the MCP servers of Claude Code, VS Code, OpenCode and Kilo
 * Code; Crush's MCP servers and language servers; Aider's lint and test commands, which it runs
 * after every edit; the hook managers' lists of commands (pre-commit, lefthook in each of its
 * formats), which their installed git hooks read at every commit.
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
  ".pre-commit-config.yaml",
  ...["lefthook", ".lefthook", "lefthook-local", ".lefthook-local"].flatMap((name) => ["yml", "yaml", "toml", "json", "jsonc"].map((ext) => `${name}.${ext}`)),
]);
/** The folders those files sit in (`.vscode`): a change at such a folder's own name is a link that would redirect them. */
const HOLDS_CONFIG_FILES = new Set([...CONFIG_FILES].filter((file) => file.includes("/")).map((file) => file.split("/")[0]!));

/**
 * Whether `path` (relative to the repository, `/`-separated) is configuration that runs programs.
 * `hooksFolder`: the repository's own `core.hooksPath` folder, relative to it (hooks-folder.ts),
 * whose every file is a git hook. Compared as the most lenient file system compares names
 * (names.ts): on macOS `.Claude/Settings.json` is the same file.
 *
 * @example
 * isAgentConfig("packages/api/.claude/settings.json"); // true
 * isAgentConfig("scripts/hooks/pre-commit", "scripts/hooks"); // true
 * isAgentConfig("docs/claude.md"); // false
 */
export function isAgentConfig(path: string, hooksFolder?: string): boolean {
  const segments = path.split("/").filter(Boolean).map(comparableName);
  const last = segments.at(-1);
  if (last === undefined) return false;
  // Inside a configuration folder, or at its own name: a change at `.claude` itself is a file or
  // a symlink there, and a link `.claude` → `notes/` makes every file under notes/ configuration.
  if (segments.some((segment) => CONFIG_FOLDERS.has(segment)) || HOLDS_CONFIG_FILES.has(last)) return true;
  if (hooksFolder !== undefined && withinFolder(segments, hooksFolder)) return true;
  return CONFIG_FILES.has(last) || CONFIG_FILES.has(segments.slice(-2).join("/"));
}

/** Whether `segments` name `folder` itself or a path inside it (a link at the folder's own name redirects it too). */
function withinFolder(segments: readonly string[], folder: string): boolean {
  const own = folder.split("/").filter(Boolean).map(comparableName);
  return own.length > 0 && own.every((segment, index) => segments[index] === segment);
}

/** The paths among `paths` that are configuration that runs programs, in order (`hooksFolder` as isAgentConfig). */
export function agentConfigAmong(paths: readonly string[], hooksFolder?: string): string[] {
  return paths.filter((path) => isAgentConfig(path, hooksFolder));
}
