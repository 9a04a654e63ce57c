/**
 * `git status` output kept between calls (codex_git_status, the summary): a repository whose
 * tree is watched (`treeGeneration`, repo-watch.ts) answers from memory while its generation and
 * the files outside the tree that decide status are unchanged, without a git process.
 *
 * Outside the tree: the config files git read, what they include and the excludes and attributes
 * files (git-config-files.ts), each compared by its mark (file-marks.ts: inode, mtime, ctime and
 * size, a symlink's with its target's). The stamp is taken before git runs and again after; the
 * output is kept only when both agree, so a change made while git ran is never hidden. Not kept:
 * a root below its repository's top (the tree outside it decides too), an index with gitlinks (a
 * submodule's status comes from its own tree) or one this code cannot read, a reftable
 * repository, truncated output.
 */
import { join } from "node:path";
import { type GitResult, runGit } from "./git.ts";
import { marksOf } from "./file-marks.ts";
import { gitConfigFiles } from "./git-config-files.ts";
import type { GitRepo } from "./git-repo.ts";
import { indexHasGitlinks } from "./index-entries.ts";
import { treeGeneration } from "./repo-watch.ts";

/** Outputs kept at most, and their bytes together: the least recently used go first. */
const MAX_KEPT = 64;
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

const kept = new Map<string, { stamp: Stamp; stdout: string }>();
let keptBytes = 0;

interface Stamp {
  /** The tree's generation and the marks of `outside`, as one string. */
  text: string;
  /** The files outside the tree it marks: every config file git read among them. */
  outside: readonly string[];
}

/**
 * What decides `root`'s status now; undefined when it cannot be told (then nothing is kept).
 * `keptAt` is the stamp a kept answer was taken at: while the tree (`.git/config` in it) and every
 * file it marks are unchanged, git's config reads as it did then, so the config need not be
 * checked again (six `lstat`s fewer per kept answer).
 */
async function stampOf(repo: GitRepo, signal?: AbortSignal, keptAt?: Stamp, taken?: number): Promise<Stamp | undefined> {
  if (repo.prefix !== "") return undefined;
  const generation = taken ?? (await treeGeneration(repo.root));
  if (generation === undefined) return undefined;
  if (keptAt && `${generation}|${marksOf(keptAt.outside)}` === keptAt.text) return keptAt;
  const files = await gitConfigFiles(repo.root, signal);
  if (!files?.keepable) return undefined;
  return { text: `${generation}|${marksOf(files.outside)}`, outside: files.outside };
}

function keep(key: string, stamp: Stamp, stdout: string): void {
  const old = kept.get(key);
  if (old) keptBytes -= old.stdout.length;
  kept.delete(key);
  kept.set(key, { stamp, stdout });
  keptBytes += stdout.length;
  while (kept.size > MAX_KEPT || keptBytes > MAX_KEPT_BYTES) {
    const [oldest, entry] = kept.entries().next().value as [string, { stdout: string }];
    kept.delete(oldest);
    keptBytes -= entry.stdout.length;
  }
}

/**
 * `git <args>` (a `status`) in `repo.root`, from memory while nothing that decides it changed.
 *
 * @example
 * const result = await statusOutput(repo, ["status", "--porcelain=v2", "-z"], { maxBytes: 1 << 22 });
 */
export async function statusOutput(
  repo: GitRepo,
  args: string[],
  options: { maxBytes: number; signal?: AbortSignal; generation?: number },
): Promise<GitResult> {
  const key = `${repo.root}\0${args.join("\0")}`;
  const known = kept.get(key);
  // The stamp before git runs may stand on a generation the caller took earlier; the one after is taken afresh.
  const before = await stampOf(repo, options.signal, known?.stamp, options.generation);
  if (before !== undefined && known?.stamp.text === before.text) {
    kept.delete(key);
    kept.set(key, known);
    return { code: 0, stdout: known.stdout, stderr: "", truncated: false };
  }
  const result = await runGit(repo.root, args, options);
  if (before === undefined || result.code !== 0 || result.truncated) return result;
  if (indexHasGitlinks(join(repo.root, ".git", "index")) !== false) return result;
  if ((await stampOf(repo, options.signal))?.text === before.text) keep(key, before, result.stdout);
  return result;
}
