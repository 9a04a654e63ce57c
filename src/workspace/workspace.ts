import type { AppServices } from "../mcp/services.ts";
import type { SessionScope } from "../mcp/session.ts";
import { realpath } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { guardPath, isInside, resolveRepository, type GuardedPath } from "./path-guard.ts";
import { globsFromRepository } from "./scoped-globs.ts";

/** One repository a tool call works in, with the guard every path of that call goes through. */
export interface Workspace {
  /** Real absolute path of the repository root, inside an allowed root. */
  root: string;
  blockedGlobs: readonly string[];
  /**
   * Resolves a path relative to the root (or absolute inside it); refuses escapes and blocked paths.
   * `generation`: the root's tree generation (repo-watch.ts) taken before, with which a path that
   * resolved to itself at that generation is not resolved again.
   */
  guard(path: string, options?: { generation?: number }): Promise<GuardedPath>;
}

/**
 * The workspace for a call of a session with `scope`: `repoPath` when given, else the session's
 * default root. `app` gives the blocked globs and $PATCHBAY_HOME, which no workspace may hold.
 *
 * @example
 * const ws = await openWorkspace(context.session.scope, context.app, args.repo_path);
 * const file = await ws.guard(args.file_path);
 */
export async function openWorkspace(scope: SessionScope, app: Pick<AppServices, "home" | "config">, repoPath?: string): Promise<Workspace> {
  const blockedGlobs = app.config.repositories.blocked_globs;
  const ws = await workspaceIn(scope, blockedGlobs, repoPath);
  const own = await patchbayOwnFiles(app.home, app.config.workers.worktree_root);
  if (own.holds(ws.root)) throw ownFilesRefused(ws.root);
  const homeInside = isInside(ws.root, own.home) ? relative(ws.root, own.home) : undefined;
  if (homeInside === undefined) return ws;
  // Blocked like a secret, so tree, search and git views leave it out as well as the guard.
  const withHome = [...blockedGlobs, homeInside, `${homeInside}/**`];
  const inner = await workspaceIn(scope, withHome, ws.root);
  return {
    ...inner,
    guard(path, options) {
      // Said plainly when named plainly; a path that only resolves there is caught by the globs.
      if (isInside(own.home, resolve(ws.root, path))) return Promise.reject(ownFilesRefused(path));
      return inner.guard(path, options);
    },
  };
}

/**
 * $PATCHBAY_HOME holds the operator's config, trust and state: a repository root around it would
 * otherwise let a write become a custom agent or a trusted pipeline file. Worker and job worktrees
 * under it stay reachable.
 */
function patchbayOwnFiles(home: string, worktreeRoot: string): Promise<OwnFiles> {
  // Resolved once per home: every tool call opens a workspace, and these paths do not move.
  const key = `${home}\0${worktreeRoot}`;
  let own = ownFilesByHome.get(key);
  if (!own) {
    own = resolveOwnFiles(home, worktreeRoot);
    ownFilesByHome.set(key, own);
  }
  return own;
}

interface OwnFiles {
  home: string;
  holds(path: string): boolean;
}

const ownFilesByHome = new Map<string, Promise<OwnFiles>>();

async function resolveOwnFiles(home: string, worktreeRoot: string): Promise<OwnFiles> {
  const real = await realpath(home).catch(() => resolve(home));
  // The default worktree folder may not exist yet: derive it from the real home, not its own realpath.
  const worktrees = worktreeRoot ? await realpath(worktreeRoot).catch(() => resolve(worktreeRoot)) : join(real, "worktrees");
  return { home: real, holds: (path) => isInside(real, path) && !isInside(worktrees, path) };
}

function ownFilesRefused(path: string): PatchbayError {
  return new PatchbayError("path_blocked", `${path} is inside $PATCHBAY_HOME, patchbay's own configuration and state`, {
    next: "work in a repository outside $PATCHBAY_HOME; change patchbay's settings with the patchbay CLI",
  });
}

/** The guard alone, without openWorkspace's $PATCHBAY_HOME check, for callers outside a server session (the CLI's handoff and context commands). */
export async function workspaceIn(scope: SessionScope, blockedGlobs: readonly string[], repoPath?: string): Promise<Workspace> {
  const resolved = await resolveRepository(scope, repoPath, blockedGlobs);
  const root = resolved.root;
  const scopeRoot = resolved.scopeRoot ?? root;
  // Tree, search and git views test repository paths: they need the globs as seen from the repository too.
  const globs = globsFromRepository(blockedGlobs, relative(scopeRoot, root).split(sep).join("/"));
  return { root, blockedGlobs: globs, guard: (path, options) => guardPath(root, path, { blockedGlobs, scopeRoot, ...options }) };
}
