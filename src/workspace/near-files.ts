/**
 * The repository's files or folders near a path that does not exist, for the refusal of a read, an
 * edit, a tree or a search: a model that asks for `src/util.ts` where `src/utils.ts` is, `f1.ts`
 * at the top where it lies in `d1/`, or folder `sr` for `src`, gets the right one at its next call
 * instead of listing the tree first. Taken from git's file list as the tree and search see it
 * (kept between calls, file-list.ts; a folder is one that holds such a file), never naming a
 * blocked path.
 */
import { posix } from "node:path";
import { editDistance, PatchbayError } from "../errors/index.ts";
import { blockedBy } from "./blocked.ts";
import { gitFileList } from "./file-list.ts";
import type { Workspace } from "./workspace.ts";

/** Suggestions at most: enough for the likely one, few enough to read at a glance. */
const MAX_NEAR = 3;

/** A name without its last extension: `f1` for `f1.ts`, `.env` for `.env`. */
function stem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * How near `path` is to `asked` (lower is nearer), or undefined when it is not: the same name in
 * the same folder but another extension (0), the same name in another folder (1), a name a few
 * edits away in the same folder (2 and a tenth per edit), the same name but extension in another
 * folder (3).
 */
function nearness(path: string, askedDir: string, askedName: string): number | undefined {
  const dir = posix.dirname(path);
  const name = posix.basename(path);
  const sameDir = dir === askedDir;
  if (sameDir && stem(name) === stem(askedName)) return 0;
  if (name === askedName) return 1;
  if (sameDir) {
    // Within two edits, one for a short name (`sr` is `src`, not `d0`); fewer edits nearer.
    const distance = editDistance(name, askedName);
    if (distance <= Math.max(1, Math.min(2, Math.floor(askedName.length / 3)))) return 2 + distance / 10;
  }
  if (stem(name) === stem(askedName)) return 3;
  return undefined;
}

/** Every folder that holds one of `paths` (files), at any depth, without the root itself. */
function foldersOf(paths: readonly string[]): Set<string> {
  const folders = new Set<string>();
  for (const path of paths) {
    for (let dir = posix.dirname(path); dir !== "." && !folders.has(dir); dir = posix.dirname(dir)) folders.add(dir);
  }
  return folders;
}

/**
 * Up to three files (or, for `kind` "folder", folders) of `ws` near `asked` (a path that does not
 * exist, as the workspace guard gives it: repository-relative, normalized, `/`-separated), of the nearest kind found and the next, nearest first, shorter paths
 * first among equals; none when git cannot list the tree.
 *
 * @example
 * await nearFiles(ws, "src/util.ts"); // ["src/utils.ts"]
 * await nearFiles(ws, "sr", "folder"); // ["src"]
 */
export async function nearFiles(ws: Workspace, asked: string, kind: "file" | "folder" = "file"): Promise<string[]> {
  const list = await gitFileList(ws.root);
  if ("error" in list) return [];
  const files = list.paths.filter((path) => !path.endsWith("/"));
  const askedDir = posix.dirname(asked);
  const askedName = posix.basename(asked);
  const found: Array<{ path: string; rank: number }> = [];
  for (const path of kind === "file" ? files : foldersOf(files)) {
    const rank = nearness(path, askedDir, askedName);
    if (rank !== undefined && !blockedBy(path, ws.blockedGlobs)) found.push({ path, rank });
  }
  // Only the nearest kind and the next: a same-named file elsewhere says more than one merely alike.
  const best = found.reduce((least, near) => Math.min(least, near.rank), Number.POSITIVE_INFINITY);
  return found
    .filter((near) => near.rank <= best + 1)
    .sort((a, b) => a.rank - b.rank || a.path.length - b.path.length || (a.path < b.path ? -1 : 1))
    .slice(0, MAX_NEAR)
    .map((near) => near.path);
}

/**
 * The not_found refusal of `path` (as the guard gives it), naming the files (or folders) near it:
 * "src/util.ts does not exist; near it: src/utils.ts". `what` follows the path in the message.
 */
export async function missingPath(
  ws: Workspace,
  path: string,
  next: string,
  options: { kind?: "file" | "folder"; what?: string } = {},
): Promise<PatchbayError> {
  const near = await nearFiles(ws, path, options.kind);
  const message = `${path} ${options.what ?? "does not exist"}`;
  return new PatchbayError("not_found", near.length ? `${message}; near it: ${near.join(", ")}` : message, { next });
}

/**
 * Whether git knows `path` (as the workspace guard gives it) as a file or a folder of files, in
 * the index or untracked but not ignored: a file deleted from the work tree but not from the
 * index still is.
 */
export async function knownToGit(ws: Workspace, path: string): Promise<boolean> {
  const list = await gitFileList(ws.root);
  if ("error" in list) return false;
  return list.paths.some((known) => known === path || known.startsWith(`${path}/`));
}

/**
 * The refusal of a diff or a change view of `path` that neither exists nor is known to git: "no
 * changes" would read as "unchanged", so it names the near files instead.
 */
export async function unknownPathRefusal(ws: Workspace, path: string, next: string): Promise<PatchbayError | undefined> {
  if (await knownToGit(ws, path)) return undefined;
  return missingPath(ws, path, next, { what: "does not exist and has no changes" });
}
