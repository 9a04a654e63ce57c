/**
 * The repository's files near a path that does not exist, for the refusal of a read or an edit:
 * a model that asks for `src/util.ts` where `src/utils.ts` is, or `f1.ts` at the top where it lies
 * in `d1/`, reads the right one at its next call instead of listing the tree first. Taken from
 * git's file list as the tree and search see it (kept between calls, file-list.ts), never naming a
 * blocked path.
 */
import { posix } from "node:path";
import { editDistance } from "../errors/index.ts";
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
 * the same folder but another extension, the same name in another folder, a name within two edits
 * in the same folder, the same name but extension in another folder.
 */
function nearness(path: string, askedDir: string, askedName: string): number | undefined {
  const dir = posix.dirname(path);
  const name = posix.basename(path);
  const sameDir = dir === askedDir;
  if (sameDir && stem(name) === stem(askedName)) return 0;
  if (name === askedName) return 1;
  if (sameDir && editDistance(name, askedName) <= 2) return 2;
  if (stem(name) === stem(askedName)) return 3;
  return undefined;
}

/**
 * Up to three files of `ws` near `asked` (a repository-relative path that does not exist), of the
 * nearest kind found and the next, nearest first, shorter paths first among equals; none when git
 * cannot list the tree.
 *
 * @example
 * await nearFiles(ws, "src/util.ts"); // ["src/utils.ts"]
 */
export async function nearFiles(ws: Workspace, asked: string): Promise<string[]> {
  const list = await gitFileList(ws.root);
  if ("error" in list) return [];
  const normal = posix.normalize(asked).replace(/^\.\//, "");
  const askedDir = posix.dirname(normal);
  const askedName = posix.basename(normal);
  const found: Array<{ path: string; rank: number }> = [];
  for (const path of list.paths) {
    if (path.endsWith("/")) continue;
    const rank = nearness(path, askedDir, askedName);
    if (rank !== undefined && !blockedBy(path, ws.blockedGlobs)) found.push({ path, rank });
  }
  // Only the nearest kind and the next: a same-named file elsewhere says more than one merely alike.
  const best = Math.min(...found.map((near) => near.rank));
  return found
    .filter((near) => near.rank <= best + 1)
    .sort((a, b) => a.rank - b.rank || a.path.length - b.path.length || (a.path < b.path ? -1 : 1))
    .slice(0, MAX_NEAR)
    .map((near) => near.path);
}

/** `message` with the files near `asked`, for a not_found refusal: "…; near it: src/utils.ts". */
export async function withNearFiles(ws: Workspace, asked: string, message: string): Promise<string> {
  const near = await nearFiles(ws, asked);
  return near.length ? `${message}; near it: ${near.join(", ")}` : message;
}
