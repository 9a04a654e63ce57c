/**
 * What changed in a checkout, one view for jobs, workers and pipeline runs: the files a worktree
 * changed against its base commit, and the uncommitted changes that make a base checkout dirty
 * before a patch is carried into it.
 */
import { git } from "../workspace/index.ts";

export interface ChangedFile {
  path: string;
  status: "modified" | "added" | "deleted";
  /** False for a new file git does not track yet. */
  tracked: boolean;
}

/**
 * Files in `cwd` that differ from `base` (staged or not), then the untracked ones that are not
 * ignored, relative to `cwd` and sorted. A rename is its two sides, the old path deleted and the
 * new one added, whatever the repository's `diff.renames` says: a file moved out of a folder is a
 * change to that folder too.
 *
 * @example
 * const files = await changedFiles(worktree.path, worktree.base_commit); // [{ path: "a.ts", status: "deleted", tracked: true }, …]
 */
export async function changedFiles(cwd: string, base: string): Promise<ChangedFile[]> {
  const [diff, untracked] = await Promise.all([
    git(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--no-renames", "--relative", "--name-status", "-z", base, "--"]),
    git(cwd, ["ls-files", "--others", "--exclude-standard", "-z", "--"]),
  ]);
  const files: ChangedFile[] = [];
  const fields = diff.stdout.split("\0").filter(Boolean);
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const letter = fields[index]!;
    files.push({ path: fields[index + 1]!, status: letter === "A" ? "added" : letter === "D" ? "deleted" : "modified", tracked: true });
  }
  for (const path of untracked.stdout.split("\0").filter(Boolean)) files.push({ path, status: "added", tracked: false });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The paths with uncommitted changes in a checkout (staged, unstaged or untracked; both sides of a
 * rename), sorted, so nothing is applied over work in progress. `exclude` leaves one folder out: the
 * pipeline keeps its own run folders in `.ai`.
 *
 * @example
 * if ((await uncommittedChanges(repo, { exclude: ".ai" })).length > 0) throw new PatchbayError("dirty_base", …);
 */
export async function uncommittedChanges(repo: string, options: { exclude?: string } = {}): Promise<string[]> {
  const spec = options.exclude === undefined ? ["--"] : ["--", ".", `:(exclude)${options.exclude}`];
  const status = await git(repo, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", ...spec]);
  // Each entry is "XY path"; without renames no entry carries a second path.
  return status.stdout
    .split("\0")
    .filter(Boolean)
    .map((entry) => entry.slice(3))
    .sort();
}
