import type { ToolContext } from "../mcp/tool.ts";
import { guardPath, resolveRepoRoot, type GuardedPath } from "./path-guard.ts";

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
export async function openWorkspace(context: Pick<ToolContext, "session" | "host">, repoPath?: string): Promise<Workspace> {
  const root = await resolveRepoRoot(context.session.scope, repoPath);
  const blockedGlobs = context.host.config.repositories.blocked_globs;
  return { root, blockedGlobs, guard: (path) => guardPath(root, path, { blockedGlobs }) };
}
