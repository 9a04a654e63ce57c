/**
 * The fingerprint that shows an agent with no read-only sandbox changed nothing: hashed before and
 * after its turn, for read-only jobs and for the pipeline's planner and reviewer.
 */
import { createHash } from "node:crypto";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { runGit } from "../workspace/index.ts";

/**
 * A hash of a checkout's state: porcelain status, the diff of the working tree and of the index
 * against HEAD, and each untracked file's size and mtime. `exclude` leaves one folder out (the
 * pipeline's base repository holds its run folders in `.ai`). Outside git, undefined: nothing to
 * compare with.
 *
 * @example
 * const before = await treeFingerprint(repo, { exclude: ".ai" });
 */
export async function treeFingerprint(cwd: string, options: { exclude?: string } = {}): Promise<string | undefined> {
  const spec = options.exclude === undefined ? ["--"] : ["--", ".", `:(exclude)${options.exclude}`];
  const status = await runGit(cwd, ["status", "--porcelain=v1", "-z", "--untracked-files=all", ...spec]);
  if (status.code !== 0) return undefined;
  const diff = await runGit(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--binary", "HEAD", ...spec]);
  const staged = await runGit(cwd, ["diff", "--cached", "--no-ext-diff", "--no-textconv", "--binary", "HEAD", ...spec]);
  const hash = createHash("sha256").update(status.stdout).update("\0").update(diff.stdout).update("\0").update(staged.stdout);
  for (const entry of status.stdout.split("\0")) {
    if (!entry.startsWith("?? ")) continue;
    const info = await lstat(join(cwd, entry.slice(3))).catch(() => undefined);
    hash.update(`${entry}:${info?.size}:${info?.mtimeMs}`);
  }
  return hash.digest("hex");
}
