/**
 * A worktree's changes as a real commit, made without touching the worktree, its index or any
 * branch: a temporary index read from the base commit, the changed paths added to it, `git
 * write-tree` and `git commit-tree`, and the commit kept under a private ref (refs/patchbay/…) so
 * git's garbage collection leaves it while it is in use. `git merge-tree` compares such commits.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { git, runGit } from "../workspace/index.ts";

/** Where patchbay keeps its own refs: never under refs/heads or refs/tags, so no branch or tag list shows them. */
export const PRIVATE_REF_PREFIX = "refs/patchbay/";

/** A fixed identity and date: the same changes on the same base make the same commit id, so results keyed by it can be reused. */
const COMMIT_ENV = {
  GIT_AUTHOR_NAME: "patchbay",
  GIT_AUTHOR_EMAIL: "patchbay@localhost",
  GIT_AUTHOR_DATE: "1970-01-01T00:00:00Z",
  GIT_COMMITTER_NAME: "patchbay",
  GIT_COMMITTER_EMAIL: "patchbay@localhost",
  GIT_COMMITTER_DATE: "1970-01-01T00:00:00Z",
};

/**
 * The commit of `base` plus `paths` as they are now in the worktree at `cwd` (a path missing there
 * is deleted), kept under `ref` (which must start with refs/patchbay/). Only the named paths are
 * hashed, so a large repository costs what its changes cost. Symlinks are committed as links,
 * never followed; callers leave out paths they refuse to read (FIFOs, links out).
 *
 * @example
 * const commit = await snapshotCommit(wt.path, wt.base_commit, ["src/a.ts"], "refs/patchbay/workers/wrk_1");
 */
export async function snapshotCommit(cwd: string, base: string, paths: string[], ref: string): Promise<string> {
  if (!ref.startsWith(PRIVATE_REF_PREFIX)) throw new Error(`snapshotCommit: ${ref} is not a private ref`);
  const scratch = await mkdtemp(join(tmpdir(), "patchbay-index-"));
  try {
    const env = { GIT_INDEX_FILE: join(scratch, "index") };
    await git(cwd, ["read-tree", base], { env });
    if (paths.length) await git(cwd, ["update-index", "--add", "--remove", "-z", "--stdin"], { env, input: `${paths.join("\0")}\0` });
    const tree = (await git(cwd, ["write-tree"], { env })).stdout.trim();
    const commit = (await git(cwd, ["commit-tree", tree, "-p", base, "-m", "patchbay snapshot"], { env: COMMIT_ENV })).stdout.trim();
    await git(cwd, ["update-ref", "--no-deref", ref, commit]);
    return commit;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Deletes patchbay's private refs under `prefix` (e.g. one worker's), leaving every other ref alone. */
export async function dropPrivateRefs(repo: string, prefix: string): Promise<void> {
  if (!prefix.startsWith(PRIVATE_REF_PREFIX)) throw new Error(`dropPrivateRefs: ${prefix} is not private`);
  const refs = (await git(repo, ["for-each-ref", "--format=%(refname)", prefix])).stdout.split("\n").filter(Boolean);
  if (refs.length) await git(repo, ["update-ref", "--stdin"], { input: refs.map((ref) => `delete ${ref}\n`).join("") });
}

export interface MergeCheck {
  clean: boolean;
  /** Paths git could not merge (content, add/add, modify/delete, file/folder). */
  conflicts: string[];
  /** The merged tree (with conflict markers where `clean` is false). */
  tree: string;
}

/**
 * Whether two commits merge cleanly, by `git merge-tree --write-tree` (git ≥ 2.38): computed in
 * the object store only; no checkout, index or ref changes.
 *
 * @example
 * const { clean, conflicts } = await mergeCheck(repo, "HEAD", snapshot);
 */
export async function mergeCheck(repo: string, ours: string, theirs: string): Promise<MergeCheck> {
  const result = await runGit(repo, ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs]);
  if (result.code > 1)
    throw new PatchbayError("git_failed", `git merge-tree failed: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`, {
      next: "patchbay needs git 2.38 or later for conflict checks; check `git --version`",
    });
  const [tree = "", ...files] = result.stdout.split("\0").filter(Boolean);
  return { clean: result.code === 0, conflicts: [...new Set(files)].sort(), tree };
}
