import type { SessionScope } from "../mcp/session.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { guardPath, resolveRepoRoot, scopeRootOf, type GuardedPath } from "./path-guard.ts";

/** One repository a tool call works in, with the guard every path of that call goes through. */
export interface Workspace {
  /** Real absolute path of the repository root, inside an allowed root. */
  root: string;
  blockedGlobs: readonly string[];
  /** Resolves a path relative to the root (or absolute inside it); refuses escapes and blocked paths. */
  guard(path: string): Promise<GuardedPath>;
}

/**
 * The workspace for a tool call: `repoPath` when given, else the session's default root.
 *
 * @example
 * const ws = await openWorkspace(context, args.repo_path);
 * const file = await ws.guard(args.file_path);
 */
export function openWorkspace(context: Pick<ToolContext, "session" | "host">, repoPath?: string): Promise<Workspace> {
  return workspaceIn(context.session.scope, context.host.config.repositories.blocked_globs, repoPath);
}

/** The same for callers without a tool context (the CLI's handoff and context commands). */
export async function workspaceIn(scope: SessionScope, blockedGlobs: readonly string[], repoPath?: string): Promise<Workspace> {
  const root = await resolveRepoRoot(scope, repoPath, blockedGlobs);
  const scopeRoot = (await scopeRootOf(scope, root)) ?? root;
  return { root, blockedGlobs, guard: (path) => guardPath(root, path, { blockedGlobs, scopeRoot }) };
}
