/**
 * Diffs that tools hand back: the working tree against a recorded commit (handoff), and the
 * change one write or edit made. Always through the git CLI with external diff drivers and
 * textconv off (a repository's config must not run programs), and never showing blocked paths.
 */
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blockedBy } from "./blocked.ts";
import { git, runGit } from "./git.ts";
import { gitExcludes } from "./tree.ts";

const DIFF_FLAGS = ["--no-color", "--no-ext-diff", "--no-textconv"];

/** Untracked files shown in a working-tree diff at most; the rest are only listed. */
const MAX_UNTRACKED_DIFFS = 100;

/** The commit HEAD points at, or undefined in a repository without commits. */
export async function headCommit(root: string): Promise<string | undefined> {
  const result = await runGit(root, ["rev-parse", "--verify", "-q", "HEAD^{commit}"]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export interface ChangedFile {
  path: string;
  /** git's name-status letter (M, A, D, R…), or "untracked". */
  status: string;
}

export interface WorkingTreeDiff {
  files: ChangedFile[];
  diff: string;
  truncated: boolean;
}

/**
 * The working tree (tracked changes, commits since `base`, and untracked files) against `base`,
 * leaving out `.ai-bridge/` and blocked paths. Without a base (no commits yet) every file is new.
 */
export async function workingTreeDiff(root: string, blockedGlobs: readonly string[], base: string | undefined, maxBytes: number): Promise<WorkingTreeDiff> {
  const exclusions = [":(exclude,glob).ai-bridge/**", ...gitExcludes(blockedGlobs, "", true)];
  const isShown = (path: string) => path !== "" && !blockedBy(path, blockedGlobs);
  const files: ChangedFile[] = [];
  let diff = "";
  let truncated = false;
  if (base) {
    // git() rather than runGit: a recorded base that no longer exists must say so, not look like "no changes".
    const fields = (await git(root, ["diff", "--relative", "--name-status", "-z", "--no-renames", base, "--", ".", ...exclusions])).stdout.split("\0");
    const named: ChangedFile[] = [];
    for (let index = 0; index + 1 < fields.length; index += 2) named.push({ status: fields[index]!, path: fields[index + 1]! });
    // git's glob dialect is not picomatch's: whatever blockedBy refuses is also left out by name.
    const literal = named.filter((file) => !isShown(file.path)).map((file) => `:(exclude,literal)${file.path}`);
    files.push(...named.filter((file) => isShown(file.path)));
    if (files.length > 0) {
      const tracked = await runGit(root, ["diff", "--relative", ...DIFF_FLAGS, "--no-renames", base, "--", ".", ...exclusions, ...literal], { maxBytes });
      diff = tracked.stdout;
      truncated = tracked.truncated;
    }
  }
  const untracked = (await runGit(root, ["ls-files", "--others", "--exclude-standard", "-z", "--", ".", ...exclusions])).stdout.split("\0").filter(isShown);
  for (const [index, path] of untracked.entries()) {
    files.push({ path, status: "untracked" });
    const room = maxBytes - Buffer.byteLength(diff);
    if (truncated || index >= MAX_UNTRACKED_DIFFS || room <= 0) {
      truncated = true;
      continue;
    }
    const added = await runGit(root, ["diff", "--no-index", ...DIFF_FLAGS, "--", "/dev/null", path], { maxBytes: room });
    diff += added.stdout;
    truncated ||= added.truncated;
  }
  return { files, diff, truncated };
}

/**
 * A unified diff of one file's change, headed with its repository path; `before` undefined means
 * the file is new. Uses `git diff --no-index` on two temp files, so no diff code of our own.
 *
 * @example
 * await textDiff("src/app.ts", "a\nb\n", "a\nc\n"); // "diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
 */
export async function textDiff(
  relativePath: string,
  before: string | undefined,
  after: string,
  maxBytes: number,
): Promise<{ diff: string; truncated: boolean }> {
  const dir = await fsp.mkdtemp(join(tmpdir(), "patchbay-diff-"));
  try {
    await Promise.all([fsp.writeFile(join(dir, "before"), before ?? ""), fsp.writeFile(join(dir, "after"), after)]);
    const result = await runGit(dir, ["diff", "--no-index", ...DIFF_FLAGS, "-U3", "--", before === undefined ? "/dev/null" : "before", "after"], { maxBytes });
    const hunksAt = result.stdout.indexOf("\n@@");
    if (hunksAt < 0) return { diff: result.stdout, truncated: result.truncated };
    const hunks = result.stdout.slice(hunksAt + 1);
    const header = [
      `diff --git a/${relativePath} b/${relativePath}`,
      before === undefined ? "--- /dev/null" : `--- a/${relativePath}`,
      `+++ b/${relativePath}`,
    ];
    return { diff: `${header.join("\n")}\n${hunks}`, truncated: result.truncated };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
