/**
 * Workspace context: approved repositories only, every path through one guard (path-guard.ts).
 * Read-only context, handoff through `.ai-bridge/`, and gated power; the tools that serve them are
 * its tool face, `tools/index.ts`.
 */
export { openWorkspace, workspaceIn, type Workspace } from "./workspace.ts";
export { buildContextPack, renderContextPack, type ContextPack, type ContextPackOptions } from "./context-pack.ts";
export { withRepoLock } from "./repo-lock.ts";
export { openedLocationSync, readInside, writeInside, type FileBytes } from "./guarded-fs.ts";
export { guardPath, isInside } from "./path-guard.ts";
export { agentConfigAmong, isAgentConfig } from "./agent-config.ts";
export { hooksFolderOf } from "./hooks-folder.ts";
export { readCommandLine, splitWords } from "./commands.ts";
export { assertCommit, assertSafeRef, GIT_CHECKOUT_TIMEOUT_MS, git, runGit, type GitResult } from "./git.ts";
export { headCommit } from "./diffs.ts";
export { commitFromHeadFile } from "./head-file.ts";
export { listCodexSessions, type SavedCodexSession } from "./sessions.ts";
