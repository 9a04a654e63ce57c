/**
 * Real git repositories for tests, made with the git CLI (execFileSync with an argument list,
 * never a shell) in directories from `tempDir`, so `removeTempDirs` cleans them up. `writeFiles`
 * also serves plain directories: `writeFiles(tempDir(), files)`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "./patchbay.ts";

/** Relative path → content; parent directories are made as needed. */
export type FileTree = Record<string, string | Uint8Array>;

/** Writes every file of `files` below `root` (overwriting what is there) and returns `root`. */
export function writeFiles(root: string, files: FileTree): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** Runs `git ...args` in `root` and returns its stdout, trimmed; throws, with git's stderr, if git fails. */
export function git(root: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: root, stdio: "pipe", encoding: "utf8" }).trim();
}

export interface GitRepoOptions {
  /** The `tempDir` prefix of the repository's directory; default "patchbay-git-". */
  prefix?: string;
  /** The initial branch; default "main". */
  branch?: string;
  /**
   * The subjects of the commits to make, oldest first: the first commits the files, any later one
   * is empty. Default `["first"]`; `[]` leaves every file untracked.
   */
  commits?: string[];
  /** Paths of `files` that are written but never added (they stay untracked). */
  untracked?: string[];
}

/**
 * A new repository holding `files`: `git init` on `branch`, a test identity (Test,
 * test@example.com) in the repository's own config so that later commits in a test work, and the
 * files force-added (so .gitignore'd ones are tracked too, unless listed in `untracked`) and
 * committed. Returns the repository's root.
 */
export function makeGitRepo(files: FileTree = {}, options: GitRepoOptions = {}): string {
  const root = writeFiles(tempDir(options.prefix ?? "patchbay-git-"), files);
  git(root, "init", "-q", "-b", options.branch ?? "main");
  git(root, "config", "user.name", "Test");
  git(root, "config", "user.email", "test@example.com");
  const [first, ...later] = options.commits ?? ["first"];
  if (first === undefined) return root;
  const untracked = options.untracked ?? [];
  if (untracked.length === 0) git(root, "add", "-f", "-A");
  else git(root, "add", "-f", "--", ...Object.keys(files).filter((path) => !untracked.includes(path)));
  for (const message of [first, ...later]) git(root, "commit", "-q", "--allow-empty", "-m", message);
  return root;
}
