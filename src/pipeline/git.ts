/**
 * The git steps of a run: the base commit, the writer's worktree (made by src/worktrees, in a
 * `.ai/worktrees` checked to be a real folder), the patch it produced, and applying it to the base.
 */
import { lstat, mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { GIT_CHECKOUT_TIMEOUT_MS, git, isInside, runGit } from "../workspace/index.ts";
import { branchPoint, createWorktree, removeWorktree } from "../worktrees/index.ts";
import { aiDirectory, writeAiFile } from "./ai-files.ts";

export function headCommit(repo: string): Promise<string> {
  return branchPoint(repo, {
    message: `${repo} is not a git repository with a commit`,
    next: "run the pipeline in a git repository that has at least one commit",
  });
}

export function worktreePath(repo: string, root: string, runId: string): string {
  return join(isAbsolute(root) ? root : resolve(repo, root), runId);
}

/** The worktrees' folder relative to the repository, when it is inside it (`.ai/worktrees` by default). */
function folderInRepo(repo: string, path: string): string | undefined {
  return isInside(repo, dirname(path)) ? relative(repo, dirname(path)) : undefined;
}

/** `git worktree add -b <prefix>/<run_id> <root>/<run_id> <base>`; a left-over one (interrupted write) is removed first. */
export async function createRunWorktree(repo: string, path: string, branch: string, base: string): Promise<void> {
  await removeRunWorktree(repo, path, branch);
  const parent = join(path, "..");
  const inRepo = folderInRepo(repo, path);
  // In the repository the folder must be real: a committed symlink would put the worktree outside.
  if (inRepo === undefined) await mkdir(parent, { recursive: true });
  else await aiDirectory(repo, inRepo, { create: true });
  // Inside the repository the worktrees must be ignored, or the base would look dirty.
  if (!(await lstat(join(parent, ".gitignore")).catch(() => undefined))) {
    if (inRepo === undefined) await writeFile(join(parent, ".gitignore"), "*\n");
    else await writeAiFile(repo, `${inRepo}/.gitignore`, "*\n");
  }
  await createWorktree(repo, { path, branch }, base);
}

/** Whether anything was there to remove (see `removeWorktree`). */
export async function removeRunWorktree(repo: string, path: string, branch: string): Promise<boolean> {
  const inRepo = folderInRepo(repo, path);
  // A folder swapped for a symlink would make the removal below delete outside files.
  if (inRepo !== undefined) await aiDirectory(repo, inRepo);
  return removeWorktree(repo, { path, branch });
}

/** Stages everything in the worktree and returns the binary-safe diff against the base. */
export async function worktreeDiff(worktree: string, base: string): Promise<string> {
  await git(worktree, ["add", "--all"], { timeoutMs: GIT_CHECKOUT_TIMEOUT_MS });
  const diff = await runGit(worktree, ["diff", "--cached", "--binary", "--no-ext-diff", "--no-textconv", "--no-color", base, "--"], {
    maxBytes: 32 * 1024 * 1024,
  });
  if (diff.code !== 0) throw new PatchbayError("git_failed", `git diff failed in ${worktree}: ${diff.stderr.trim()}`);
  if (diff.truncated) throw new PatchbayError("patch_too_large", "the patch is over 32 MiB", { next: "ask for a smaller change" });
  return diff.stdout;
}

/** Applies a patch the writer printed (custom providers with output_contract "diff") to the worktree. */
export async function applyToWorktree(worktree: string, patch: string): Promise<void> {
  const result = await runGit(worktree, ["apply", "--whitespace=nowarn", "--recount", "-"], { input: patch });
  if (result.code !== 0)
    throw new PatchbayError("patch_does_not_apply", `the writer's diff does not apply to the worktree: ${result.stderr.trim()}`, {
      next: "run the phase again",
    });
}

/** What to do when a run's patch no longer applies: the base moved since it was written, and no phase of the run can move it. */
export function applyConflictStep(runId: string): string {
  return (
    `the base checkout was not changed; it moved since the run was written: resolve by hand (\`patchbay diff ${runId} > run.patch\`, ` +
    `then \`git apply --3way run.patch\`), or end this run (\`patchbay cancel ${runId}\`) and start one on the current base (\`patchbay plan --task "..."\`)`
  );
}

/** `git apply --check`, then `git apply`: a patch that does not apply cleanly leaves the checkout untouched. */
export async function applyToBase(repo: string, patch: string, runId: string): Promise<void> {
  const check = await runGit(repo, ["apply", "--check", "--whitespace=nowarn", "-"], { input: patch });
  if (check.code !== 0) {
    throw new PatchbayError("apply_conflict", `FINAL.diff does not apply to ${repo}: ${check.stderr.trim()}`, {
      next: applyConflictStep(runId),
      details: { stderr: check.stderr.trim() },
    });
  }
  const applied = await runGit(repo, ["apply", "--whitespace=nowarn", "-"], { input: patch });
  if (applied.code !== 0) throw new PatchbayError("apply_failed", `git apply failed after its check passed: ${applied.stderr.trim()}`);
}
