/**
 * The checked-out branch read from HEAD on disk, without a git process: codex_list_workspaces asks
 * for it for every allowed root, and a spawn costs milliseconds while these reads cost
 * microseconds. Nothing is cached, so a switched branch shows at once. Anything but the plain
 * layouts (a `.git` directory, or a `.git` file naming the git dir of a worktree or submodule),
 * a repository another user owns (git refuses those), or a HEAD that is neither a branch nor a
 * commit answers undefined, and git decides as before. The reads are synchronous: each is a
 * syscall of microseconds, and Bun's promise fs costs several times that in thread hand-offs.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface HeadBranch {
  isGitRepo: true;
  /** null on a detached HEAD. */
  branch: string | null;
}

/** `read()`, or undefined when it fails for any reason. */
function quietly<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** HEAD and a `.git` file are one short line; anything larger is no layout read here. */
const MAX_POINTER_BYTES = 4096;

/**
 * The text of a small regular file, or undefined. These reads run on the event loop, so a FIFO
 * (O_NONBLOCK: the open does not wait for a writer), a device such as /dev/zero behind a link, or
 * a large file swapped in by anyone who can write in a root must never be read: that would stall
 * every session of the server, not only this call.
 */
function smallFile(path: string): string | undefined {
  const fd = quietly(() => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  if (fd === undefined) return undefined;
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_POINTER_BYTES) return undefined;
    const bytes = Buffer.alloc(info.size);
    return bytes.toString("utf8", 0, readSync(fd, bytes, 0, info.size, 0));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function gitDirAt(dir: string): string | undefined | null {
  const dotGit = join(dir, ".git");
  const info = quietly(() => lstatSync(dotGit));
  if (!info) return null; // not here: look in the parent
  if (info.isDirectory()) return dotGit;
  if (!info.isFile()) return undefined;
  const pointer = /^gitdir: (.+)\n?$/.exec(smallFile(dotGit) ?? "")?.[1];
  return pointer ? resolve(dir, pointer) : undefined;
}

export async function branchFromHeadFile(root: string): Promise<HeadBranch | undefined> {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const gitDir = gitDirAt(dir);
    if (gitDir === undefined) return undefined;
    if (gitDir !== null) {
      const owner = quietly(() => statSync(dir));
      if (!owner || owner.uid !== process.getuid?.()) return undefined;
      const head = smallFile(join(gitDir, "HEAD"));
      const branch = head && /^ref: refs\/heads\/(\S+)\n?$/.exec(head)?.[1];
      if (branch) return { isGitRepo: true, branch };
      return head && /^[0-9a-f]{40,64}\n?$/.test(head) ? { isGitRepo: true, branch: null } : undefined;
    }
    if (dirname(dir) === dir) return undefined; // no .git up to / : git has the last word (GIT_DIR, ceilings)
  }
}
