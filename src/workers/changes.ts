/**
 * A worker's worktree in git terms: creating and removing it, the files it changed against its
 * base commit (imported artifacts left out), and the patch that would carry them to the base
 * checkout: tracked changes with `git diff --binary`, untracked text files as new-file hunks,
 * untracked binary or non-UTF-8 files skipped and listed.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { git, runGit } from "../workspace/index.ts";
import { isImportedArtifact, slugOf } from "./paths.ts";

export interface WorkerWorktree {
  path: string;
  branch: string;
  base_commit: string;
}

/** `git worktree add -b patchbay/worker-<slug>-<id8> <root>/worker-<slug>-<id8> HEAD`. */
export async function createWorkerWorktree(repo: string, worktreeRoot: string, name: string, id: string): Promise<WorkerWorktree> {
  const head = await runGit(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
  if (head.code !== 0) {
    throw new PatchbayError("not_a_git_repo", `${repo} has no commit to branch from (isolated_write workers run in a git worktree)`, { next: "commit once in the repository, or start the worker with workspace_mode read_only" });
  }
  const base = head.stdout.trim();
  const label = `worker-${slugOf(name)}-${id.slice(4, 12)}`;
  const path = join(worktreeRoot, label);
  const branch = `patchbay/${label}`;
  await git(repo, ["worktree", "add", "--quiet", "-b", branch, path, base]);
  return { path, branch, base_commit: base };
}

/** Removes the worktree and its branch; touches nothing else. */
export async function removeWorkerWorktree(repo: string, worktree: WorkerWorktree): Promise<void> {
  await runGit(repo, ["worktree", "remove", "--force", worktree.path]);
  await runGit(repo, ["worktree", "prune"]);
  await runGit(repo, ["branch", "-D", worktree.branch]);
}

export interface ChangedFile {
  path: string;
  status: "modified" | "added" | "deleted";
  tracked: boolean;
}

/** Files that differ from `base` in `cwd`, or are new and untracked; imported artifacts are not changes. */
export async function workerChanges(cwd: string, base: string): Promise<ChangedFile[]> {
  const [diff, untracked] = await Promise.all([
    git(cwd, ["diff", "--no-ext-diff", "--no-renames", "--name-status", "-z", base, "--"]),
    git(cwd, ["ls-files", "--others", "--exclude-standard", "-z", "--"]),
  ]);
  const files: ChangedFile[] = [];
  const parts = diff.stdout.split("\0").filter(Boolean);
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const letter = parts[i]!;
    const path = parts[i + 1]!;
    files.push({ path, status: letter === "A" ? "added" : letter === "D" ? "deleted" : "modified", tracked: true });
  }
  for (const path of untracked.stdout.split("\0").filter(Boolean)) files.push({ path, status: "added", tracked: false });
  return files.filter((file) => !isImportedArtifact(file.path)).sort((a, b) => a.path.localeCompare(b.path));
}

function isText(bytes: Uint8Array): boolean {
  if (bytes.subarray(0, 8000).includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export interface WorkerPatch {
  patch: string;
  bytes: number;
  sha256: string;
  files: string[];
  /** Untracked binary or non-UTF-8 files: not carried over. */
  skipped_files: string[];
}

/**
 * The patch of `files` from the worktree against its base.
 *
 * @example
 * const { patch } = await workerPatch(wt.path, wt.base_commit, await workerChanges(wt.path, wt.base_commit));
 */
export async function workerPatch(cwd: string, base: string, files: ChangedFile[]): Promise<WorkerPatch> {
  const tracked = files.filter((file) => file.tracked).map((file) => file.path);
  const chunks: string[] = [];
  if (tracked.length) chunks.push((await git(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--no-renames", "--binary", base, "--", ...tracked])).stdout);
  const skipped: string[] = [];
  const carried = [...tracked];
  for (const file of files.filter((entry) => !entry.tracked)) {
    const bytes = await readFile(join(cwd, file.path));
    if (!isText(bytes)) {
      skipped.push(file.path);
      continue;
    }
    // `--no-index` exits 1 when the files differ, which is the point here.
    const hunk = await runGit(cwd, ["diff", "--no-index", "--no-ext-diff", "--no-textconv", "--", "/dev/null", file.path]);
    if (hunk.code > 1) throw new PatchbayError("git_failed", `cannot diff ${file.path}: ${hunk.stderr.trim()}`);
    chunks.push(hunk.stdout);
    carried.push(file.path);
  }
  const patch = chunks.join("");
  return { patch, bytes: Buffer.byteLength(patch), sha256: createHash("sha256").update(patch).digest("hex"), files: carried.sort(), skipped_files: skipped.sort() };
}

/** One file's diff from the patch of the worktree (a one-file patch). */
export async function workerFileDiff(cwd: string, base: string, file: ChangedFile): Promise<{ diff: string; binary: boolean }> {
  const { patch, skipped_files } = await workerPatch(cwd, base, [file]);
  if (skipped_files.length) return { diff: `Binary file ${file.path} added; diff omitted.`, binary: true };
  const binary = /^GIT binary patch$/m.test(patch) || /^Binary files /m.test(patch);
  return { diff: binary ? `Binary file ${file.path} ${file.status}; diff omitted.` : patch, binary };
}

export async function headOf(repo: string): Promise<string | undefined> {
  const head = await runGit(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
  return head.code === 0 ? head.stdout.trim() : undefined;
}

/** `git status --porcelain` lines of the base checkout (tracked and untracked). */
export async function dirtyEntries(repo: string): Promise<string[]> {
  const status = await git(repo, ["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
  return status.stdout.split("\0").filter(Boolean).map((entry) => entry.slice(3));
}
