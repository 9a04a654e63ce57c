/**
 * Workspace context: approved repositories only, every path through one guard (path-guard.ts).
 * Read-only context tools, handoff through `.ai-bridge/`, and gated power tools.
 */
import type { ToolDeclaration } from "../mcp/tool.ts";
import { FILE_TOOLS } from "./tools/files.ts";
import { GIT_TOOLS } from "./tools/git.ts";
import { HANDOFF_TOOLS } from "./tools/handoff.ts";
import { ORIENTATION_TOOLS } from "./tools/orientation.ts";
import { POWER_TOOLS } from "./tools/power.ts";
import { SKILL_TOOLS } from "./tools/skills.ts";

export const WORKSPACE_TOOLS: readonly ToolDeclaration[] = [
  ...ORIENTATION_TOOLS,
  ...FILE_TOOLS,
  ...GIT_TOOLS,
  ...SKILL_TOOLS,
  ...HANDOFF_TOOLS,
  ...POWER_TOOLS,
];

export { openWorkspace, workspaceIn, type Workspace } from "./workspace.ts";
export { buildContextPack, renderContextPack, type ContextPack, type ContextPackOptions } from "./context-pack.ts";
export { withRepoLock } from "./repo-lock.ts";
export { readInside, writeInside, type FileBytes } from "./guarded-fs.ts";
export { guardPath, isInside } from "./path-guard.ts";
export { readCommandLine, splitWords } from "./commands.ts";
export { assertCommit, assertSafeRef, git, runGit, type GitResult } from "./git.ts";
export { headCommit } from "./diffs.ts";
