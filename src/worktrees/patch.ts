/**
 * The patch that carries a worktree's changes to the checkout it branched from, one for workers
 * and isolated jobs alike (integration applies it, the diff views show it): tracked changes with
 * `git diff --binary`, untracked text files and symlinks that stay inside the worktree as git's own
 * new-file hunks (mode and missing final newline included), untracked binary or non-UTF-8 files
 * skipped and listed, symlinks out of the worktree and special files refused unread.
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readlink, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { type GitResult, isInside, readInside, runGit } from "../workspace/index.ts";
import type { ChangedFile } from "./changes.ts";

function isText(bytes: Uint8Array): boolean {
  if (bytes.subarray(0, 8000).includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Largest patch carried over or shown (2 MB, the original PatchBay's cap); files are read only while the patch is under it. */
export const MAX_PATCH_BYTES = 2 * 1024 * 1024;

/**
 * A git call on a worktree ends by then, or the answer is git_timeout instead of a hang; longer than
 * runGit's default for read-only tools, because a worktree can hold a whole large checkout.
 */
const WORKTREE_GIT_TIMEOUT_MS = 60_000;

function gitWithin(cwd: string, args: string[], options: { maxBytes?: number } = {}): Promise<GitResult> {
  return runGit(cwd, args, { ...options, timeoutMs: WORKTREE_GIT_TIMEOUT_MS });
}

/** A changed path as it is on disk, looked at without following it. */
type Entry =
  | { kind: "missing" }
  | { kind: "file"; executable: boolean }
  | { kind: "symlink"; target: string }
  | { kind: "other" }
  | { kind: "unsafe"; why: string };

/**
 * What `path` in the worktree is. A symlink is fine while it stays inside the worktree and points
 * at a file or folder (git carries its link text, mode 120000); one that leads out or at a FIFO,
 * socket or device, and those themselves, are unsafe: reading them would leak outside files,
 * hang, or never end.
 */
async function entryOf(cwd: string, path: string): Promise<Entry> {
  const absolute = join(cwd, path);
  const info = await lstat(absolute).catch(() => undefined);
  if (!info) return { kind: "missing" };
  if (info.isFile()) return { kind: "file", executable: (info.mode & 0o111) !== 0 };
  if (info.isDirectory()) return { kind: "other" };
  if (!info.isSymbolicLink()) return { kind: "unsafe", why: "is a FIFO, socket or device, not a regular file" };
  const target = await readlink(absolute);
  const leaves = { kind: "unsafe", why: `is a symlink to ${target}, outside the worktree` } as const;
  if (!isInside(cwd, resolve(dirname(absolute), target))) return leaves;
  // Inside by its text, yet through another link it may still lead out.
  const [real, root] = await Promise.all([realpath(absolute).catch(() => undefined), realpath(cwd)]);
  if (real !== undefined && !isInside(root, real)) return leaves;
  // stat does not open the target, so a FIFO behind the link cannot block it.
  const pointee = await stat(absolute).catch(() => undefined);
  if (pointee && !pointee.isFile() && !pointee.isDirectory()) return { kind: "unsafe", why: `is a symlink to ${target}, a FIFO, socket or device` };
  return { kind: "symlink", target };
}

/** Changed paths that integration refuses to read or carry: symlinks out of the worktree, FIFOs, devices. */
export async function unsafeChanges(cwd: string, files: ChangedFile[]): Promise<Array<{ path: string; why: string }>> {
  const unsafe: Array<{ path: string; why: string }> = [];
  for (const file of files) {
    const entry = await entryOf(cwd, file.path);
    if (entry.kind === "unsafe") unsafe.push({ path: file.path, why: entry.why });
  }
  return unsafe;
}

export interface WorktreePatch {
  patch: string;
  bytes: number;
  sha256: string;
  files: string[];
  /** Untracked binary or non-UTF-8 files, and untracked folders: not carried over. */
  skipped_files: string[];
  /** Refused, never read: symlinks out of the worktree, FIFOs, devices. */
  unsafe_files: Array<{ path: string; why: string }>;
  /** Untracked files not read because the patch would pass `maxBytes` with them. */
  too_large_files: string[];
}

/**
 * An untracked file's new-file hunk, made by git from a private copy (`scratch`) of what was
 * read, so git never opens the worktree's file itself (a FIFO swapped in would hang it).
 */
async function newFileHunk(
  scratch: string,
  path: string,
  entry: { kind: "file"; executable: boolean; bytes: Uint8Array } | { kind: "symlink"; target: string },
): Promise<string> {
  const copy = join(scratch, path);
  await mkdir(dirname(copy), { recursive: true });
  if (entry.kind === "symlink") await symlink(entry.target, copy);
  else await writeFile(copy, entry.bytes, { mode: entry.executable ? 0o755 : 0o644 });
  // `--no-index` exits 1 when the files differ, which is the point here.
  const hunk = await gitWithin(scratch, ["diff", "--no-index", "--no-ext-diff", "--no-textconv", "--binary", "--", "/dev/null", path]);
  if (hunk.code > 1) throw new PatchbayError("git_failed", `cannot diff ${path}: ${hunk.stderr.trim()}`);
  return hunk.stdout;
}

/**
 * The patch of `files` from the worktree against its base. Untracked files are read without
 * following links or blocking, only while the patch stays under `maxBytes`.
 *
 * @example
 * const { patch } = await worktreePatch(wt.path, wt.base_commit, await workerChanges(wt.path, wt.base_commit));
 */
export async function worktreePatch(cwd: string, base: string, files: ChangedFile[], maxBytes = MAX_PATCH_BYTES): Promise<WorktreePatch> {
  const result: WorktreePatch = { patch: "", bytes: 0, sha256: "", files: [], skipped_files: [], unsafe_files: [], too_large_files: [] };
  const entries = new Map<string, Entry>();
  for (const file of files) entries.set(file.path, await entryOf(cwd, file.path));
  for (const [path, entry] of entries) if (entry.kind === "unsafe") result.unsafe_files.push({ path, why: entry.why });
  const safe = files.filter((file) => entries.get(file.path)!.kind !== "unsafe");
  const tracked = safe.filter((file) => file.tracked).map((file) => file.path);
  const chunks: string[] = [];
  let size = 0;
  if (tracked.length) {
    const diff = await gitWithin(cwd, ["diff", "--no-ext-diff", "--no-textconv", "--no-renames", "--binary", base, "--", ...tracked], {
      maxBytes: maxBytes + 1,
    });
    if (diff.code !== 0)
      throw new PatchbayError("git_failed", `git diff failed in ${cwd}: ${diff.stderr.trim().split("\n").slice(-3).join(" ")}`, {
        next: `look at the worktree's state with \`git -C ${cwd} status\``,
      });
    chunks.push(diff.stdout);
    size += Buffer.byteLength(diff.stdout);
  }
  const carried = [...tracked];
  const root = await realpath(cwd);
  const scratch = await mkdtemp(join(tmpdir(), "patchbay-patch-"));
  try {
    for (const file of safe.filter((entry) => !entry.tracked)) {
      const entry = entries.get(file.path)!;
      if (entry.kind === "missing" || entry.kind === "unsafe") continue;
      if (entry.kind === "other") {
        result.skipped_files.push(file.path);
        continue;
      }
      if (size > maxBytes) {
        result.too_large_files.push(file.path);
        continue;
      }
      let hunk: string;
      if (entry.kind === "symlink") hunk = await newFileHunk(scratch, file.path, entry);
      else {
        const read = await readInside(root, join(root, file.path), maxBytes - size + 1).catch((error: PatchbayError) => {
          // Swapped for a link or a FIFO since it was looked at: refused all the same.
          result.unsafe_files.push({ path: file.path, why: error.message });
          return undefined;
        });
        if (!read) continue;
        if (read.truncated) {
          result.too_large_files.push(file.path);
          size = maxBytes + 1;
          continue;
        }
        if (!isText(read.bytes)) {
          result.skipped_files.push(file.path);
          continue;
        }
        hunk = await newFileHunk(scratch, file.path, { kind: "file", executable: entry.executable, bytes: read.bytes });
      }
      chunks.push(hunk);
      size += Buffer.byteLength(hunk);
      carried.push(file.path);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  result.patch = chunks.join("");
  result.bytes = Buffer.byteLength(result.patch);
  result.sha256 = createHash("sha256").update(result.patch).digest("hex");
  result.files = carried.sort();
  result.skipped_files.sort();
  return result;
}

/**
 * One file's diff from the patch of the worktree (a one-file patch); an unsafe file is refused,
 * never read, with `unsafeNext` as what to do about it.
 */
export async function worktreeFileDiff(
  cwd: string,
  base: string,
  file: ChangedFile,
  maxBytes: number,
  unsafeNext: string,
): Promise<{ diff: string; binary: boolean; truncated: boolean }> {
  const { patch, skipped_files, unsafe_files, too_large_files } = await worktreePatch(cwd, base, [file], maxBytes);
  if (unsafe_files.length) throw new PatchbayError("unsafe_file", `${file.path} ${unsafe_files[0]!.why}; patchbay does not read it`, { next: unsafeNext });
  if (too_large_files.length) return { diff: `${file.path} is over ${maxBytes} bytes; diff omitted.`, binary: false, truncated: true };
  if (skipped_files.length) return { diff: `Binary file ${file.path} added; diff omitted.`, binary: true, truncated: false };
  const binary = /^GIT binary patch$/m.test(patch) || /^Binary files /m.test(patch);
  if (binary) return { diff: `Binary file ${file.path} ${file.status}; diff omitted.`, binary, truncated: false };
  // A tracked file's diff is read up to one byte past the cap, so one over it was cut.
  const truncated = Buffer.byteLength(patch) > maxBytes;
  return { diff: truncated ? Buffer.from(patch).subarray(0, maxBytes).toString("utf8") : patch, binary, truncated };
}
