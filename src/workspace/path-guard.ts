/**
 * The one gate every tool that touches a path goes through. A path is allowed only when its real
 * location (symlinks resolved; for a file that does not exist yet, its nearest existing parent) is
 * inside the repository, and the repository inside an allowed root. Containment compares path
 * segments, never string prefixes: /srv/repo-evil is not inside /srv/repo.
 */
import { lstatSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { keptRealpath } from "../runtime/index.ts";
import { isInside } from "../runtime/index.ts";
import { realRoots, type SessionScope } from "../mcp/session.ts";
import { blockedBy } from "./blocked.ts";
import { generationMemo } from "./generation-memo.ts";
import { isGitDirName } from "./names.ts";

export { comparableName, isGitDirName } from "./names.ts";

/** Longest path and path segment accepted; longer ones are refused before touching the disk. */
const MAX_PATH_LENGTH = 4096;
const MAX_SEGMENT_LENGTH = 255;

export interface GuardedPath {
  /** Real absolute location (symlinks resolved up to the nearest existing ancestor). */
  absolute: string;
  /** Location relative to the repository root, with `/` separators; "" is the root itself. */
  relative: string;
  exists: boolean;
}

// The one containment test lives with the basics (src/runtime); capabilities keep finding it here.
export { isInside };

function outside(path: string, roots: readonly string[]): PatchbayError {
  return new PatchbayError("path_outside_roots", `${path} is outside the allowed roots (${roots.join(", ") || "none"})`, {
    next: "use a path inside an allowed root, or start patchbay with --allow-root DIR to allow another directory",
    details: { path, allowed_roots: [...roots] },
  });
}

function invalid(path: string, why: string): PatchbayError {
  return new PatchbayError("path_invalid", `${JSON.stringify(path)} ${why}`, { next: "pass a plain path relative to the repository root", details: { path } });
}

/** Shapes refused before any resolution: they are never a legitimate repository path. */
function assertPlainPath(path: string): void {
  if (typeof path !== "string" || path.length === 0) throw invalid(String(path), "is empty");
  if (path.includes("\0")) throw invalid(path, "contains a NUL byte");
  if (path.length > MAX_PATH_LENGTH) throw invalid(`${path.slice(0, 40)}…`, `is longer than ${MAX_PATH_LENGTH} characters`);
  if (path.startsWith("~")) throw invalid(path, "starts with ~, which patchbay does not expand");
  if (/^[A-Za-z]:/.test(path) || path.includes("\\")) throw invalid(path, "is a Windows path (drive letter or backslash)");
  if (/%(2e|2f|5c|00)/i.test(path)) throw invalid(path, "looks URL-encoded; pass the decoded path");
  if (path.split("/").some((segment) => segment.length > MAX_SEGMENT_LENGTH))
    throw invalid(`${path.slice(0, 40)}…`, `has a segment longer than ${MAX_SEGMENT_LENGTH} characters`);
}

/**
 * The real path of `path`'s nearest existing ancestor (itself when it exists), and what remains below it.
 * Synchronous on purpose: these are metadata syscalls of a few microseconds each, and Bun's
 * promise-based fs costs several times that per call in thread hand-offs (docs/benchmarks.md).
 */
function nearestExisting(path: string): { real: string; rest: string[]; exists: boolean } {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return { real: realpathSync(current), rest, exists: rest.length === 0 };
    } catch {
      // It exists but does not resolve: a symlink to nowhere, whose target could be anywhere.
      if (entryExists(current)) throw invalid(path, "is (or passes through) a symlink whose target does not exist");
    }
    const parent = resolve(current, "..");
    if (parent === current) throw new PatchbayError("not_found", `no part of ${path} exists`);
    rest.unshift(current.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
    current = parent;
  }
}

/** Paths inside watched trees that resolved to themselves, for the tree's generation then (generation-memo.ts). */
const plainPaths = generationMemo<{ real: string; rest: string[]; exists: boolean }>({ entries: 4096 });

/**
 * nearestExisting, answered from memory for a path of a watched tree at the generation taken
 * before this call, when it resolved to itself then: no symlink on its way, only directories of
 * the tree, so no change that could make it lead elsewhere leaves the generation as it was. A path
 * through a symlink is resolved every time: the link may lead out of the tree, where nothing is watched.
 */
function resolvedInside(lexical: string, generation: number | undefined): { real: string; rest: string[]; exists: boolean } {
  const known = plainPaths.get(lexical, generation);
  if (known) return known;
  const found = nearestExisting(lexical);
  if (join(found.real, ...found.rest) === lexical) plainPaths.set(lexical, generation, found);
  return found;
}

/** Whether `path` itself is there, a dangling symlink included (lstat); false when it or a parent is missing. */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    return false;
  }
}

/**
 * Resolves `path` (relative to `root`, or absolute) inside the repository `root`, which must be a
 * real path. Refuses escapes with `path_outside_roots`, odd shapes with `path_invalid`, and paths
 * matched by `blockedGlobs` with `path_blocked`.
 *
 * @example
 * const file = await guardPath("/srv/repo", "src/app.ts", { blockedGlobs: [".env*"] });
 */
export async function guardPath(
  root: string,
  path: string,
  options: { blockedGlobs: readonly string[]; scopeRoot?: string; generation?: number },
): Promise<GuardedPath> {
  assertPlainPath(path);
  const lexical = resolve(root, path);
  if (!isInside(root, lexical)) throw outside(path, [root]);
  // The root itself is the real path the caller resolved for this call (a search or tree of "."): no second realpath.
  const { real, rest, exists } = lexical === root ? { real: root, rest: [], exists: true } : resolvedInside(lexical, options.generation);
  // A symlink anywhere on the way (file or directory) must not lead out of the repository.
  if (!isInside(root, real)) throw outside(path, [root]);
  const absolute = join(real, ...rest);
  const rel = relative(root, absolute).split(sep).join("/");
  // Any .git at any depth, whatever the globs say: nested repositories' configs hold remote
  // credentials, and their hooks run code.
  if (rel.split("/").some(isGitDirName)) {
    throw new PatchbayError("path_blocked", `${rel} is inside a .git directory, which tools never touch`, {
      next: "use codex_git_status and codex_git_diff for repository state",
      details: { path: rel },
    });
  }
  assertNotBlocked(rel, options.blockedGlobs);
  // A repository chosen below an allowed root must not dodge globs written for the allowed root.
  if (options.scopeRoot && options.scopeRoot !== root) assertNotBlocked(relative(options.scopeRoot, absolute).split(sep).join("/"), options.blockedGlobs);
  return { absolute, relative: rel, exists };
}

function assertNotBlocked(rel: string, blockedGlobs: readonly string[]): void {
  const pattern = blockedBy(rel, blockedGlobs);
  if (!pattern) return;
  throw new PatchbayError("path_blocked", `${rel} is blocked by repositories.blocked_globs ("${pattern}")`, {
    next: "tools never read or write blocked paths; change repositories.blocked_globs if this is wrong",
    details: { path: rel, pattern },
  });
}

/** The allowed root (real path) that contains `realRoot`, the innermost when roots nest. */
async function scopeRootOf(scope: SessionScope, realRoot: string): Promise<string | undefined> {
  const roots = realRoots(scope);
  return roots.filter((root) => isInside(root, realRoot)).sort((a, b) => b.length - a.length)[0];
}

/**
 * The repository a tool call works in: `repoPath` when given (absolute, or relative to the
 * session's default root), else the session's default root, else its only allowed root. A
 * repository that is itself blocked relative to its allowed root (`.git`, a `secrets/` folder) is
 * refused, so choosing it as the root cannot unlock what the globs hide. With it, the allowed root
 * it lies in (innermost when roots nest), which choosing it needed anyway.
 */
export async function resolveRepository(
  scope: SessionScope,
  repoPath?: string,
  blockedGlobs: readonly string[] = [],
): Promise<{ root: string; scopeRoot: string | undefined }> {
  const roots = scope.allowedRoots;
  if (repoPath === undefined || repoPath === "") {
    const fallback = scope.defaultRoot ?? (roots.length === 1 ? roots[0] : undefined);
    if (fallback) {
      const root = keptRealpath(fallback);
      // An allowed root is its own scope root: an allowed root that contains it and is longer would be inside it.
      return { root, scopeRoot: roots.includes(fallback) ? root : await scopeRootOf(scope, root) };
    }
    throw new PatchbayError(
      "repo_required",
      roots.length === 0 ? "this session has no allowed roots" : `name the repository: this session allows ${roots.join(", ")}`,
      {
        next: roots.length === 0 ? "start patchbay with --root DIR" : "pass repo_path with one of the allowed roots",
        details: { allowed_roots: [...roots] },
      },
    );
  }
  assertPlainPath(repoPath);
  const base = scope.defaultRoot ?? roots[0];
  if (!isAbsolute(repoPath) && !base) throw outside(repoPath, roots);
  let real: string;
  try {
    real = realpathSync(resolve(base ?? "/", repoPath));
  } catch {
    throw new PatchbayError("not_found", `repository ${repoPath} does not exist`, {
      next: "pass an existing directory inside an allowed root",
      details: { path: repoPath },
    });
  }
  const scopeRoot = await scopeRootOf(scope, real);
  if (!scopeRoot) throw outside(repoPath, roots);
  const relRoot = relative(scopeRoot, real).split(sep).join("/");
  if (relRoot.split("/").some(isGitDirName))
    throw new PatchbayError("path_blocked", `${repoPath} is inside a .git directory, which tools never touch`, {
      next: "pass the repository's working tree",
      details: { path: repoPath },
    });
  assertNotBlocked(relRoot, blockedGlobs);
  if (!statSync(real).isDirectory()) throw invalid(repoPath, "is not a directory");
  return { root: real, scopeRoot };
}
