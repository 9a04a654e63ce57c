/**
 * Which repository a workspace root belongs to, and where the root sits in it. git decides
 * (`rev-parse --show-prefix`) the first time; its answer is kept while the `.git` entries that
 * decided it are unchanged, so codex_git_status spawns one git (status) instead of two. The check
 * is a few `lstat`s: no `.git` appeared between the root and the top (a new nested repository), and
 * the top's `.git` (and its config, which can move the work tree) is the same entry as before.
 */
import { lstatSync } from "node:fs";
import { join, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { runGit } from "./git.ts";

/** A repository seen from a workspace root: `prefix` is the root's place inside it ("" or "pkg/app/"). */
export interface GitRepo {
  root: string;
  prefix: string;
}

interface KnownRepo {
  repo: GitRepo;
  /** The directories from the root up to, not including, the top: none may hold `.git`. */
  between: string[];
  top: string;
  mark: string;
  /** The root's tree generation (repo-watch.ts) when the mark last held: while it stands, so does the mark. */
  heldAt?: number;
}

/** Roots remembered at most: each is a handful of strings; the oldest goes first. */
const MAX_KNOWN = 256;
const known = new Map<string, KnownRepo>();

/** lstat without a throw; synchronous, as a promise costs several times the syscall in Bun (20 against 4 µs). */
function lstatIfAny(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Identity of the top's `.git` entry and of its config: an unchanged mark means git would find the same top. */
function markOf(top: string): string | undefined {
  const dotGit = lstatIfAny(join(top, ".git"));
  if (!dotGit || !(dotGit.isDirectory() || dotGit.isFile())) return undefined;
  // A directory's mtime moves with every lock file git makes in it; a replaced one has a new inode.
  if (dotGit.isFile()) return `file:${dotGit.ino}:${dotGit.mtimeMs}:${dotGit.size}`;
  const config = lstatIfAny(join(top, ".git", "config"));
  return `dir:${dotGit.ino}:${config?.ino}:${config?.mtimeMs}:${config?.size}`;
}

function stillValid(entry: KnownRepo): boolean {
  return markOf(entry.top) === entry.mark && !entry.between.some((dir) => lstatIfAny(join(dir, ".git")));
}

function remember(root: string, repo: GitRepo, generation: number | undefined): void {
  const depth = repo.prefix.split("/").filter(Boolean).length;
  const between = Array.from({ length: depth }, (_, up) => resolve(root, ...Array<string>(up).fill("..")));
  const top = resolve(root, ...Array<string>(depth).fill(".."));
  // A layout git found without a `.git` at the top (core.worktree, a root inside .git) is asked every time.
  const mark = markOf(top);
  if (mark === undefined) return;
  if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value as string);
  known.set(root, { repo, between, top, mark, heldAt: generation });
}

/** Drops what is known of `root`: git has just said otherwise. */
export function forgetGitRepo(root: string): void {
  known.delete(root);
}

/**
 * The repository `root` (a real path) belongs to, or `undefined` when it is not inside one.
 * `generation`: the root's tree generation taken before this call, when the caller has it; a
 * watched root is the top of its repository, whose `.git` and config the watch covers, so while
 * the generation stands the `lstat`s are not needed.
 */
export async function findGitRepo(root: string, signal?: AbortSignal, generation?: number): Promise<GitRepo | undefined> {
  const entry = known.get(root);
  if (entry && generation !== undefined && entry.heldAt === generation) return entry.repo;
  if (entry && stillValid(entry)) {
    entry.heldAt = generation;
    return entry.repo;
  }
  known.delete(root);
  const result = await runGit(root, ["rev-parse", "--show-prefix"], { signal });
  if (result.code === 0) {
    const repo = { root, prefix: result.stdout.trim() };
    remember(root, repo, generation);
    return repo;
  }
  if (/not a git repository/i.test(result.stderr)) return undefined;
  throw new PatchbayError("git_failed", `git rev-parse failed: ${result.stderr.trim()}`, { next: "check that git works in this repository" });
}

export function notAGitRepo(root: string): PatchbayError {
  return new PatchbayError("not_a_git_repo", `${root} is not inside a git repository`, {
    next: "run `git init` there, or use codex_repo_tree and codex_read_file, which work without git",
  });
}

/** Like findGitRepo, but a directory outside any repository is a `not_a_git_repo` error. */
export async function openGitRepo(root: string, signal?: AbortSignal, generation?: number): Promise<GitRepo> {
  const repo = await findGitRepo(root, signal, generation);
  if (repo) return repo;
  throw notAGitRepo(root);
}
