/**
 * What `.git/index` says about a repository without asking git: whether it holds gitlinks
 * (submodules), whose status comes from other trees. Read from the index file itself, formats 2
 * and 3 (git's default) of a SHA-1 repository (a SHA-256 one's entries hold 32-byte ids: callers
 * do not ask for those, git-config-files.ts); anything else (format 4's compressed paths, a split or sparse index, a
 * file that does not parse) is "unknown", which callers read as "do not rely on it".
 */
import { readFileSync } from "node:fs";

const GITLINK_MODE = 0o160000;
const MODE_TYPE_MASK = 0o170000;
/** ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes each, times 8), the object id, then 2 bytes of flags. */
const FIXED_BYTES = 40 + 20 + 2;
const EXTENDED_FLAG = 0x4000;

/**
 * True when the index at `indexPath` holds a gitlink, false when it holds none, `undefined` when
 * that cannot be told (no index: an unborn repository holds no gitlink, so false).
 *
 * @example
 * if (indexHasGitlinks("/work/repo/.git/index") !== false) return; // do not keep
 */
export function indexHasGitlinks(indexPath: string): boolean | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(indexPath);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? false : undefined;
  }
  if (bytes.length < 12 || bytes.toString("latin1", 0, 4) !== "DIRC") return undefined;
  const version = bytes.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  let at = 12;
  let gitlinks = false;
  for (let entry = bytes.readUInt32BE(8); entry > 0; entry--) {
    if (at + FIXED_BYTES > bytes.length) return undefined;
    if ((bytes.readUInt32BE(at + 24) & MODE_TYPE_MASK) === GITLINK_MODE) gitlinks = true;
    const flags = bytes.readUInt16BE(at + 60);
    const nameStart = at + FIXED_BYTES + (version === 3 && flags & EXTENDED_FLAG ? 2 : 0);
    const nameEnd = bytes.indexOf(0, nameStart);
    if (nameEnd < 0) return undefined;
    // Entries are padded with NULs to a multiple of 8 bytes, at least one NUL.
    at += Math.ceil((nameEnd - at + 1) / 8) * 8;
  }
  // Extensions, up to the final checksum: a split index (`link`) or a sparse one (`sdir`) hides entries.
  while (at + 8 <= bytes.length - 20) {
    const signature = bytes.toString("latin1", at, at + 4);
    if (signature === "link" || signature === "sdir") return undefined;
    at += 8 + bytes.readUInt32BE(at + 4);
  }
  return gitlinks;
}
