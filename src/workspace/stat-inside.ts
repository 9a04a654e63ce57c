/**
 * lstat of entries below the root, each through its parent directory held open: the parent is
 * opened without following a last-name symlink and kept only while the descriptor's location is
 * the parent's own path, and the entry is looked up in that descriptor (`/proc/self/fd/<fd>/name`).
 * Checking the parents by path and then calling lstat by path let a directory swapped for a
 * symlink in between show the size of a file outside the repository.
 */
import { constants, type Stats, promises as fsp } from "node:fs";
import { dirname, join } from "node:path";

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The stats of `names` in the directory `dir` (a real path), or nothing when it is not that real directory now. */
async function statInDirectory(dir: string, names: readonly string[]): Promise<Array<Stats | undefined>> {
  const handle = await fsp.open(dir, DIR_FLAGS).catch(() => undefined);
  if (!handle) return names.map(() => undefined);
  try {
    const location = await fsp.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
    // No /proc (not Linux): the real path by name, checked before and after, as guarded-fs.ts does.
    if (location === undefined) return await statByPath(dir, names);
    if (location !== dir) return names.map(() => undefined);
    return await Promise.all(names.map((name) => fsp.lstat(`/proc/self/fd/${handle.fd}/${name}`).catch(() => undefined)));
  } finally {
    await handle.close();
  }
}

async function statByPath(dir: string, names: readonly string[]): Promise<Array<Stats | undefined>> {
  const isReal = () =>
    fsp.realpath(dir).then(
      (real) => real === dir,
      () => false,
    );
  if (!(await isReal())) return names.map(() => undefined);
  const stats = await Promise.all(names.map((name) => fsp.lstat(join(dir, name)).catch(() => undefined)));
  return (await isReal()) ? stats : names.map(() => undefined);
}

/**
 * The lstat of each of `paths` (relative to `root`, a real path), undefined for a path that is
 * gone or whose parent is not the real directory it names (a symlink, swapped in or not).
 *
 * @example
 * const stats = await statInside("/srv/repo", ["src", "src/a.ts"]);
 */
export async function statInside(root: string, paths: readonly string[]): Promise<Map<string, Stats | undefined>> {
  const byParent = new Map<string, string[]>();
  for (const path of paths) {
    const parent = dirname(join(root, path));
    const inParent = byParent.get(parent);
    if (inParent) inParent.push(path);
    else byParent.set(parent, [path]);
  }
  const found = new Map<string, Stats | undefined>();
  await Promise.all(
    [...byParent].map(async ([parent, inParent]) => {
      const stats = await statInDirectory(
        parent,
        inParent.map((path) => path.slice(path.lastIndexOf("/") + 1)),
      );
      for (const [at, path] of inParent.entries()) found.set(path, stats[at]);
    }),
  );
  return found;
}
