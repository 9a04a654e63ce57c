/**
 * Real paths of directories named again and again (allowed roots, $PATCHBAY_HOME), kept between
 * tool calls. Every call resolves its session's roots, and a realpath costs a syscall per path
 * component; checking a kept one costs one or two. A kept
 * real path is used while the configured path and the real path both still name the directory it
 * was resolved to (device and inode): a symlinked root re-pointed, or the root directory renamed,
 * removed or replaced (by a directory or a symlink), shows at once and is resolved afresh.
 *
 * What the check cannot see is an ancestor of the real path moved and replaced by a symlink to its
 * new place: the inode is the same, but the kept path is no longer canonical. Paths inside then
 * resolve to their new canonical place, which is not inside the kept path, so they are refused,
 * never let through; and every entry is resolved afresh at least once a second.
 */
import { lstatSync, realpathSync, statSync } from "node:fs";

const FRESH_FOR_MS = 1_000;
/** Roots come from the operator (configuration, --root, --allow-root), so a few suffice; the bound only stops growth. */
const MAX_KEPT = 256;

interface KeptRoot {
  real: string;
  dev: bigint;
  ino: bigint;
  resolvedAt: number;
}

const kept = new Map<string, KeptRoot>();

function sameDirectory(path: string, root: KeptRoot, follow: boolean): boolean {
  // throwIfNoEntry: false, so a root that vanished costs no exception, only a fresh resolve.
  const info = follow ? statSync(path, { bigint: true, throwIfNoEntry: false }) : lstatSync(path, { bigint: true, throwIfNoEntry: false });
  return info?.isDirectory() === true && info.dev === root.dev && info.ino === root.ino;
}

function stillValid(configured: string, root: KeptRoot): boolean {
  if (performance.now() - root.resolvedAt > FRESH_FOR_MS) return false;
  // lstat: the real path itself must still be that directory, not a symlink put in its place.
  if (!sameDirectory(root.real, root, false)) return false;
  return configured === root.real || sameDirectory(configured, root, true);
}

/**
 * The real path of `configured`, as `realpathSync` gives it; throws what `realpathSync` throws.
 * Only directories are kept: a file's real path is resolved on every call.
 *
 * @example
 * const real = keptRealpath("/home/me/src/app"); // "/home/me/src/app", or where a symlink there leads
 */
export function keptRealpath(configured: string): string {
  const known = kept.get(configured);
  if (known && stillValid(configured, known)) return known.real;
  kept.delete(configured);
  const real = realpathSync(configured);
  const info = statSync(real, { bigint: true });
  if (info.isDirectory()) {
    if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value as string);
    kept.set(configured, { real, dev: info.dev, ino: info.ino, resolvedAt: performance.now() });
  }
  return real;
}

/** `keptRealpath(configured)`, or `configured` itself when it does not resolve (a root that is gone or not made yet). */
export function keptRealpathOrSelf(configured: string): string {
  try {
    return keptRealpath(configured);
  } catch {
    return configured;
  }
}
