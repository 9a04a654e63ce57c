/**
 * Git views a job needs: its own worktree (apply jobs), the files a job changed, one file's diff
 * against the job's base, and a fingerprint of a tree for read-only checks.
 */
import { createHash } from "node:crypto";
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
// git.ts is not on the workspace face; jobs need the same safe git runner, not a second one.
import { git, runGit } from "../workspace/index.ts";

export interface JobWorktree {
  path: string;
  branch: string;
  base_commit: string;
}

/**
 * `git worktree add -b patchbay/job-<id> <root>/jobs/<id> HEAD`, recording the base commit.
 *
 * @example
 * const wt = await createJobWorktree("/srv/repo", "/home/me/.patchbay/worktrees", "job_00abc…");
 */
export async function createJobWorktree(repo: string, worktreeRoot: string, id: string): Promise<JobWorktree> {
  const head = await runGit(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
  if (head.code !== 0) {
    throw new PatchbayError("not_a_git_repo", `${repo} has no commit to branch from (apply jobs run in a git worktree)`, { next: "commit once in the repository, or use codex_plan_job for a read-only job" });
  }
  const base = head.stdout.trim();
  const path = join(worktreeRoot, "jobs", id);
  const branch = `patchbay/job-${id}`;
  await git(repo, ["worktree", "add", "--quiet", "-b", branch, path, base]);
  return { path, branch, base_commit: base };
}

/** Paths (relative to `cwd`) that differ from `base` (or HEAD) or are untracked, blocked or not. */
export async function changedFiles(cwd: string, base = "HEAD"): Promise<string[]> {
  const [diff, untracked] = await Promise.all([
    runGit(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--name-only", "--relative", "-z", base, "--"]),
    runGit(cwd, ["ls-files", "--others", "--exclude-standard", "-z", "--"]),
  ]);
  if (diff.code !== 0 && untracked.code !== 0) return [];
  const names = [...diff.stdout.split("\0"), ...untracked.stdout.split("\0")].filter(Boolean);
  return [...new Set(names)].sort();
}

export interface FileDiff {
  diff: string;
  binary: boolean;
  status: "modified" | "added" | "deleted";
  truncated: boolean;
}

/** One file's change in `cwd` against `base`: a unified diff, an untracked file as new, binaries summarized. */
export async function fileDiff(cwd: string, base: string, relPath: string, maxBytes: number): Promise<FileDiff> {
  const tracked = await runGit(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--no-color", "--numstat", base, "--", relPath]);
  const numstat = tracked.stdout.trim();
  if (numstat) {
    const binary = numstat.startsWith("-\t-\t");
    const exists = await lstat(join(cwd, relPath)).then(() => true, () => false);
    const status = !exists ? "deleted" : (await runGit(cwd, ["cat-file", "-e", `${base}:${relPath}`])).code === 0 ? "modified" : "added";
    if (binary) return { diff: `Binary file ${relPath} changed; diff omitted.`, binary, status, truncated: false };
    const text = await runGit(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--no-color", base, "--", relPath], { maxBytes });
    return { diff: text.stdout, binary, status, truncated: text.truncated };
  }
  // Untracked: a new-file diff built from the content.
  const content = await readFile(join(cwd, relPath));
  if (content.subarray(0, 8000).includes(0)) return { diff: `Binary file ${relPath} added (${content.length} bytes); diff omitted.`, binary: true, status: "added", truncated: false };
  const lines = content.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const full = [`diff --git a/${relPath} b/${relPath}`, "new file", "--- /dev/null", `+++ b/${relPath}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join("\n") + "\n";
  const truncated = Buffer.byteLength(full) > maxBytes;
  return { diff: truncated ? Buffer.from(full).subarray(0, maxBytes).toString("utf8") : full, binary: false, status: "added", truncated };
}

/**
 * A hash of a tree's state: `git status --porcelain` plus the hash of `git diff HEAD`, plus the
 * size and mtime of every untracked file. Outside git, undefined (nothing to compare with).
 */
export async function treeFingerprint(cwd: string): Promise<string | undefined> {
  const status = await runGit(cwd, ["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
  if (status.code !== 0) return undefined;
  const diff = await runGit(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--binary", "HEAD", "--"]);
  const hash = createHash("sha256").update(status.stdout).update("\0").update(diff.stdout);
  for (const entry of status.stdout.split("\0")) {
    if (!entry.startsWith("?? ")) continue;
    const info = await lstat(join(cwd, entry.slice(3))).catch(() => undefined);
    hash.update(`${entry}:${info?.size}:${info?.mtimeMs}`);
  }
  return hash.digest("hex");
}
