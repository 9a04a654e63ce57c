/**
 * Read-only views of a workspace's git state: status, diff, recent commits, a one-line summary.
 * When the workspace root is a subdirectory of a repository (a monorepo package, or a directory
 * inside a home-directory dotfiles repository), every view is limited to that subdirectory, so
 * git never shows a change or a file outside the allowed root.
 */
import * as v from "valibot";
import { PatchbayError } from "../errors/index.ts";
import { blockedBy } from "./blocked.ts";
import { assertCommit, gitFailure, runGit } from "./git.ts";
import { findGitRepo, forgetGitRepo, type GitRepo, notAGitRepo, openGitRepo } from "./git-repo.ts";
import { branchFromHeadFile } from "./head-file.ts";
import { LIMITS } from "./limits.ts";
import { unknownPathRefusal } from "./near-files.ts";
import { treeGeneration } from "./repo-watch.ts";
import { statusOutput } from "./status-cache.ts";
import { gitExcludes, isNotGitRepo } from "./tree.ts";
import type { Workspace } from "./workspace.ts";

/** Entries kept per status list; the counts still report every entry. */
const MAX_STATUS_ENTRIES = 500;
const STATUS_OUTPUT_BYTES = 4 * 1024 * 1024;
// Repository config may name external diff programs and textconv filters; a read-only view runs neither.
const DIFF_BASE = ["diff", "--no-ext-diff", "--no-textconv", "--no-color", "--relative"];

const CHANGES = { M: "modified", A: "added", D: "deleted", R: "renamed", C: "copied", T: "type_changed", U: "unmerged" } as const;

const statusEntry = v.object({ path: v.string(), change: v.picklist(Object.values(CHANGES)), from: v.optional(v.string()) });
export const gitStatusSchema = v.object({
  branch: v.nullable(v.string()),
  head: v.nullable(v.string()),
  upstream: v.nullable(v.string()),
  ahead: v.number(),
  behind: v.number(),
  staged: v.array(statusEntry),
  unstaged: v.array(statusEntry),
  untracked: v.array(v.string()),
  conflicted: v.array(v.string()),
  counts: v.object({ staged: v.number(), unstaged: v.number(), untracked: v.number(), conflicted: v.number() }),
  /** `git status --short` style lines ("XY path"). */
  short: v.array(v.string()),
  clean: v.boolean(),
  truncated: v.boolean(),
});
export type GitStatus = v.InferOutput<typeof gitStatusSchema>;
type StatusEntry = v.InferOutput<typeof statusEntry>;

const diffFile = v.object({ path: v.string(), from: v.optional(v.string()), additions: v.number(), deletions: v.number(), binary: v.boolean() });
export const gitDiffSchema = v.object({
  diff: v.string(),
  files: v.array(diffFile),
  additions: v.number(),
  deletions: v.number(),
  staged: v.boolean(),
  ref: v.nullable(v.string()),
  file_path: v.nullable(v.string()),
  /** Changed files left out because repositories.blocked_globs matches them. */
  blocked: v.array(v.string()),
  bytes: v.number(),
  truncated: v.boolean(),
});
export type GitDiff = v.InferOutput<typeof gitDiffSchema>;
type DiffFile = v.InferOutput<typeof diffFile>;

export { findGitRepo, type GitRepo, openGitRepo } from "./git-repo.ts";

export const commitSchema = v.object({ sha: v.string(), author: v.string(), date: v.string(), subject: v.string() });
export type Commit = v.InferOutput<typeof commitSchema>;

/** Pathspec that keeps a command inside the workspace when its root is below the repository's top. */
function scope(repo: GitRepo): string[] {
  return repo.prefix ? ["--", "."] : [];
}

/** Splits a porcelain v2 record into its `count` leading fields and the path that follows them. */
function fieldsAndPath(record: string, count: number): { fields: string[]; path: string } {
  let at = 0;
  for (let field = 0; field < count; field++) at = record.indexOf(" ", at) + 1;
  return { fields: record.slice(0, at - 1).split(" "), path: record.slice(at) };
}

function changeOf(letter: string | undefined): StatusEntry["change"] {
  return CHANGES[letter as keyof typeof CHANGES] ?? "modified";
}

/** Parses `git status --porcelain=v2 --branch -z`, with paths made relative to the workspace; entries `isShown` refuses are left out. */
function parseStatus(raw: string, prefix: string, outputTruncated: boolean, isShown: (path: string) => boolean): GitStatus {
  const status: GitStatus = {
    branch: null,
    head: null,
    upstream: null,
    ahead: 0,
    behind: 0,
    staged: [],
    unstaged: [],
    untracked: [],
    conflicted: [],
    counts: { staged: 0, unstaged: 0, untracked: 0, conflicted: 0 },
    short: [],
    clean: true,
    truncated: outputTruncated,
  };
  const records = raw.split("\0");
  // A record cut by the byte cap is incomplete: drop it rather than report a wrong path.
  if (outputTruncated) records.pop();
  const local = (path: string) => (path.startsWith(prefix) ? path.slice(prefix.length) : path);
  const keep = <T>(list: T[], key: keyof GitStatus["counts"], item: T) => {
    status.counts[key]++;
    if (list.length < MAX_STATUS_ENTRIES) list.push(item);
    else status.truncated = true;
  };
  const short = (xy: string, path: string) => status.short.length < MAX_STATUS_ENTRIES && status.short.push(`${xy.replaceAll(".", " ")} ${path}`);
  for (let index = 0; index < records.length; index++) {
    const record = records[index] ?? "";
    if (record.startsWith("# ")) readHeader(status, record);
    else if (record.startsWith("1 ") || record.startsWith("2 ")) {
      const renamed = record.startsWith("2 ");
      const { fields, path: rawPath } = fieldsAndPath(record, renamed ? 9 : 8);
      const xy = fields[1] ?? "..";
      const path = local(rawPath);
      const from = renamed ? local(records[++index] ?? "") : undefined;
      if (![path, from].every((name) => name === undefined || isShown(name))) continue;
      if (xy[0] !== ".") keep(status.staged, "staged", { path, change: changeOf(xy[0]), ...(from !== undefined && { from }) });
      if (xy[1] !== ".") keep(status.unstaged, "unstaged", { path, change: changeOf(xy[1]) });
      short(xy, from === undefined ? path : `${from} -> ${path}`);
    } else if (record.startsWith("u ")) {
      const { fields, path } = fieldsAndPath(record, 10);
      if (!isShown(local(path))) continue;
      keep(status.conflicted, "conflicted", local(path));
      short(fields[1] ?? "UU", local(path));
    } else if (record.startsWith("? ")) {
      if (!isShown(local(record.slice(2)))) continue;
      keep(status.untracked, "untracked", local(record.slice(2)));
      short("??", local(record.slice(2)));
    }
  }
  status.clean = Object.values(status.counts).every((count) => count === 0);
  return status;
}

function readHeader(status: GitStatus, record: string): void {
  const [, key, ...rest] = record.split(" ");
  const value = rest.join(" ");
  if (key === "branch.oid") status.head = value === "(initial)" ? null : value;
  else if (key === "branch.head") status.branch = value === "(detached)" ? null : value;
  else if (key === "branch.upstream") status.upstream = value;
  else if (key === "branch.ab") {
    const [ahead, behind] = rest;
    status.ahead = Number(ahead?.slice(1) ?? 0);
    status.behind = Number(behind?.slice(1) ?? 0);
  }
}

/**
 * Branch, upstream, staged, unstaged, untracked and conflicted files of the workspace, or of one
 * `path` in it (already guarded, relative to the root); files repositories.blocked_globs matches
 * are left out, as in every other view.
 *
 * @example
 * const status = await gitStatus(ws);
 * if (!status.clean) console.log(status.short.join("\n"));
 */
export async function gitStatus(ws: Pick<Workspace, "root" | "blockedGlobs">, options: { path?: string; signal?: AbortSignal } = {}): Promise<GitStatus> {
  // Taken first: the repository check and a kept status can both stand on it.
  const generation = await treeGeneration(ws.root);
  return statusOf(await openGitRepo(ws.root, options.signal, generation), ws.blockedGlobs, { ...options, generation });
}

async function statusOf(
  repo: GitRepo,
  blockedGlobs: readonly string[],
  options: { path?: string; signal?: AbortSignal; generation?: number },
): Promise<GitStatus> {
  const pathspec = ["--", options.path ? `:(literal)${options.path}` : ".", ...gitExcludes(blockedGlobs, "", true)];
  const args = ["status", "--porcelain=v2", "--branch", "-z", ...pathspec];
  const result = await statusOutput(repo, args, { maxBytes: STATUS_OUTPUT_BYTES, signal: options.signal, generation: options.generation });
  if (result.code !== 0 && isNotGitRepo(result.stderr)) {
    // The remembered repository is gone (its .git removed or replaced between two lstats and now).
    forgetGitRepo(repo.root);
    throw notAGitRepo(repo.root);
  }
  if (result.code !== 0) throw gitFailure(args, result);
  // blockedBy is the authority; the pathspecs keep git from even listing what it leaves out.
  return parseStatus(result.stdout, repo.prefix, result.truncated, (path) => blockedBy(path, blockedGlobs) === undefined);
}

/** Parses `git diff --numstat -z`; a rename is `adds\tdels\t\0from\0to`. */
function parseNumstat(raw: string, outputTruncated: boolean): DiffFile[] {
  const records = raw.split("\0");
  if (outputTruncated) records.pop();
  const files: DiffFile[] = [];
  for (let index = 0; index < records.length; index++) {
    const [adds, dels, path] = (records[index] ?? "").split("\t");
    if (adds === undefined || dels === undefined || path === undefined) continue;
    const binary = adds === "-";
    const counts = { additions: binary ? 0 : Number(adds), deletions: binary ? 0 : Number(dels), binary };
    if (path !== "") files.push({ path, ...counts });
    else {
      const from = records[++index] ?? "";
      files.push({ path: records[++index] ?? "", from, ...counts });
    }
  }
  return files;
}

export interface DiffOptions {
  /** Limit the diff to one path (guarded; relative to the workspace root). */
  filePath?: string;
  /** The index instead of the working tree (with `ref`: the index against that ref). */
  staged?: boolean;
  /** Compare against this revision instead of the index. */
  ref?: string;
  maxBytes?: number;
  signal?: AbortSignal;
}

/**
 * The workspace's diff: unstaged by default, staged, or against a ref; bounded by `maxBytes`
 * (at most LIMITS.diffBytes) and never showing a path that repositories.blocked_globs matches.
 *
 * @example
 * const { diff, truncated } = await gitDiff(ws, { staged: true, maxBytes: 20_000 });
 */
export async function gitDiff(ws: Workspace, options: DiffOptions = {}): Promise<GitDiff> {
  const { signal, staged = false, ref } = options;
  const maxBytes = Math.min(options.maxBytes ?? LIMITS.diffBytes, LIMITS.diffBytes);
  await openGitRepo(ws.root, signal);
  if (ref !== undefined) await assertCommit(ws.root, ref, signal);
  const target = options.filePath === undefined ? undefined : await ws.guard(options.filePath);
  const filePath = target?.relative;
  const head = [...DIFF_BASE, ...(staged ? ["--cached"] : []), ...(ref === undefined ? [] : [ref])];
  const wanted = filePath ? `:(literal)${filePath}` : ".";
  // Names and line counts only, blocked files included, so the result can say what was left out.
  const numstat = await runDiff(ws.root, [...head, "--numstat", "-z", "--", wanted], { maxBytes: STATUS_OUTPUT_BYTES, signal });
  const changed = parseNumstat(numstat.stdout, numstat.truncated);
  // "No changes" of a path that is not there reads as "unchanged": a misspelt path is refused
  // instead (a deleted file still has its deletion to show, or is still in the index).
  if (target && !target.exists && changed.length === 0) {
    const refused = await unknownPathRefusal(ws, target.relative, "diff the path meant, or leave file_path out for the whole diff");
    if (refused) throw refused;
  }
  // blockedBy is the authority; the glob pathspecs are a second fence, as git's glob dialect is not picomatch's.
  const isBlocked = (file: DiffFile) => [file.path, file.from].some((path) => path !== undefined && blockedBy(path, ws.blockedGlobs) !== undefined);
  const blocked = changed.filter(isBlocked);
  const files = changed.filter((file) => !isBlocked(file));
  const literalExcludes = blocked
    .flatMap((file) => [file.path, file.from])
    .filter((path) => path !== undefined)
    .map((path) => `:(exclude,literal)${path}`);
  const pathspecs = [wanted, ...gitExcludes(ws.blockedGlobs, "", true), ...literalExcludes];
  const result = files.length === 0 ? { stdout: "", truncated: false } : await runDiff(ws.root, [...head, "--", ...pathspecs], { maxBytes, signal });
  return {
    diff: result.stdout,
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    staged,
    ref: ref ?? null,
    file_path: filePath ?? null,
    blocked: blocked.map((file) => file.path),
    bytes: new TextEncoder().encode(result.stdout).length,
    truncated: result.truncated || numstat.truncated,
  };
}

/**
 * Refuses a ref that is not one commit. A tree-ish such as `HEAD:secrets` would be diffed as if it
 * were the root, moving blocked files to paths no blocked glob matches.
 */
async function runDiff(root: string, args: string[], options: { maxBytes: number; signal?: AbortSignal }) {
  const result = await runGit(root, args, options);
  if (result.code === 0) return result;
  throw new PatchbayError("git_failed", `git diff failed: ${result.stderr.trim().split("\n")[0] ?? `exit ${result.code}`}`, {
    next: "check the repository state with codex_git_status",
  });
}

/**
 * The newest `max` commits that touch the workspace (all commits when it is the repository's top);
 * an empty list for a repository without commits.
 */
export async function recentCommits(repo: GitRepo, max: number, signal?: AbortSignal): Promise<Commit[]> {
  // --no-show-signature: log.showSignature in a repository's config would otherwise start gpg.
  const result = await runGit(repo.root, ["log", `--max-count=${max}`, "--no-show-signature", "-z", "--format=%h%x1f%an%x1f%aI%x1f%s", ...scope(repo)], {
    maxBytes: 1024 * 1024,
    signal,
  });
  if (result.code !== 0) return [];
  return result.stdout
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const [sha = "", author = "", date = "", subject = ""] = line.split("\x1f");
      return { sha: sha.trim(), author, date, subject };
    });
}

export const gitSummarySchema = v.object({
  is_git_repo: v.boolean(),
  branch: v.nullable(v.string()),
  head: v.nullable(v.object({ sha: v.string(), subject: v.string() })),
  upstream: v.nullable(v.string()),
  ahead: v.number(),
  behind: v.number(),
  dirty: v.boolean(),
  counts: gitStatusSchema.entries.counts,
});
export type GitSummary = v.InferOutput<typeof gitSummarySchema>;

/** Branch, head commit and dirty flag in one small object (blocked files not counted, as in gitStatus); `is_git_repo: false` outside a repository. */
export async function gitSummary(ws: Pick<Workspace, "root" | "blockedGlobs">, signal?: AbortSignal): Promise<GitSummary> {
  const { root } = ws;
  const repo = await findGitRepo(root, signal);
  if (!repo)
    return {
      is_git_repo: false,
      branch: null,
      head: null,
      upstream: null,
      ahead: 0,
      behind: 0,
      dirty: false,
      counts: { staged: 0, unstaged: 0, untracked: 0, conflicted: 0 },
    };
  // The head is the repository's, whichever part of it the workspace is.
  const [status, commits] = await Promise.all([statusOf(repo, ws.blockedGlobs, { signal }), recentCommits({ root, prefix: "" }, 1, signal)]);
  const head = commits[0];
  return {
    is_git_repo: true,
    branch: status.branch,
    head: head ? { sha: head.sha, subject: head.subject } : null,
    upstream: status.upstream,
    ahead: status.ahead,
    behind: status.behind,
    dirty: !status.clean,
    counts: status.counts,
  };
}

/** The checked-out branch of `root` without reading the working tree (cheap for many roots). */
export async function currentBranch(root: string, signal?: AbortSignal): Promise<{ isGitRepo: boolean; branch: string | null }> {
  const fromDisk = await branchFromHeadFile(root);
  if (fromDisk) return fromDisk;
  // symbolic-ref exits 1 on a detached HEAD and 128 outside a repository.
  const result = await runGit(root, ["symbolic-ref", "--quiet", "--short", "HEAD"], { signal });
  if (result.code === 0) return { isGitRepo: true, branch: result.stdout.trim() };
  return { isGitRepo: result.code === 1, branch: null };
}
