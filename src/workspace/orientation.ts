/**
 * What a host needs to orient itself in a session: the workspaces it may use and the state of a
 * workspace's `.ai-bridge/` handoff folder.
 */
import { statSync } from "node:fs";
import { lstat, readdir, stat } from "node:fs/promises";
import { basename } from "node:path";
import * as v from "valibot";
import { isPatchbayError } from "../errors/index.ts";
import type { SessionScope } from "../mcp/index.ts";
import { blockedBy } from "./blocked.ts";
import { currentBranch } from "./git-views.ts";
import type { GuardedPath } from "./path-guard.ts";
import type { Workspace } from "./workspace.ts";

/** The handoff folder shared by chat hosts and local agents. */
export const AI_BRIDGE_DIR = ".ai-bridge";
const MAX_AI_BRIDGE_ENTRIES = 50;

const aiBridgeEntry = v.object({ name: v.string(), kind: v.picklist(["file", "directory"]), bytes: v.number(), modified: v.string() });
export const aiBridgeSchema = v.object({
  path: v.string(),
  exists: v.boolean(),
  entries: v.array(aiBridgeEntry),
  truncated: v.boolean(),
  /** Set when the guard refused the folder (a symlink leading out, a blocked glob): its error code. */
  refused: v.nullable(v.string()),
});
export type AiBridgeState = v.InferOutput<typeof aiBridgeSchema>;

/**
 * Which files `.ai-bridge/` holds (e.g. current-plan.md), with size and modification time. Symlinks
 * and blocked names are left out; a refused folder is reported, not thrown, so orientation survives it.
 *
 * @example
 * const { exists, entries } = await aiBridgeState(ws);
 */
export async function aiBridgeState(ws: Workspace): Promise<AiBridgeState> {
  const empty = { path: AI_BRIDGE_DIR, exists: false, entries: [], truncated: false, refused: null };
  let folder: GuardedPath;
  try {
    folder = await ws.guard(AI_BRIDGE_DIR);
  } catch (error) {
    if (isPatchbayError(error)) return { ...empty, refused: error.code };
    throw error;
  }
  if (!folder.exists || !(await stat(folder.absolute)).isDirectory()) return empty;
  const names = (await readdir(folder.absolute)).sort();
  const entries: AiBridgeState["entries"] = [];
  for (const name of names) {
    if (blockedBy(`${folder.relative}/${name}`, ws.blockedGlobs)) continue;
    const info = await lstat(`${folder.absolute}/${name}`).catch(() => undefined);
    if (!info || !(info.isFile() || info.isDirectory())) continue;
    if (entries.length === MAX_AI_BRIDGE_ENTRIES) return { ...empty, exists: true, entries, truncated: true };
    entries.push({ name, kind: info.isFile() ? "file" : "directory", bytes: info.isFile() ? info.size : 0, modified: info.mtime.toISOString() });
  }
  return { ...empty, exists: true, entries };
}

export const workspaceEntrySchema = v.object({
  name: v.string(),
  path: v.string(),
  is_default: v.boolean(),
  exists: v.boolean(),
  is_git_repo: v.boolean(),
  branch: v.nullable(v.string()),
});
export type WorkspaceEntry = v.InferOutput<typeof workspaceEntrySchema>;

/** The session's allowed roots (its default root first), each with its git branch. */
export async function listWorkspaces(scope: SessionScope, signal?: AbortSignal): Promise<WorkspaceEntry[]> {
  const paths = [...new Set([...(scope.defaultRoot ? [scope.defaultRoot] : []), ...scope.allowedRoots])];
  return Promise.all(
    paths.map(async (path) => {
      // On the calling thread: a stat in the thread pool costs this tool most of its time.
      const exists = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
      const git = exists ? await currentBranch(path, signal) : { isGitRepo: false, branch: null };
      return { name: basename(path), path, is_default: path === scope.defaultRoot, exists, is_git_repo: git.isGitRepo, branch: git.branch };
    }),
  );
}
