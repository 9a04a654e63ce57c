/**
 * The checked-out branch, and the commit HEAD names, read from disk without a git process:
 * codex_list_workspaces asks for the branch of every allowed root, and codex_worker_list for the
 * commit of each repository with workers (its conflict picture); a spawn costs milliseconds while
 * these reads cost microseconds. Nothing is cached, so a switched branch shows at once. Anything
 * but the plain layouts (a `.git` directory, or a `.git` file naming the git dir of a worktree or
 * submodule), a repository another user owns (git refuses those), or a HEAD that is neither a
 * branch nor a commit answers undefined, and git decides as before. The reads are synchronous:
 * each is a syscall of microseconds, and Bun's promise fs costs several times that in thread
 * hand-offs.
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
function smallFile(path: string, maxBytes = MAX_POINTER_BYTES): string | undefined {
  const fd = quietly(() => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  if (fd === undefined) return undefined;
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return undefined;
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

/** The git dir of the repository `root` lies in, when its layout is a plain one and it is the user's own; undefined: git decides. */
function gitDirOf(root: string): string | undefined {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const gitDir = gitDirAt(dir);
    if (gitDir === undefined) return undefined;
    if (gitDir !== null) {
      const owner = quietly(() => statSync(dir));
      return owner && owner.uid === process.getuid?.() ? gitDir : undefined;
    }
    if (dirname(dir) === dir) return undefined; // no .git up to / : git has the last word (GIT_DIR, ceilings)
  }
}

export async function branchFromHeadFile(root: string): Promise<HeadBranch | undefined> {
  const gitDir = gitDirOf(root);
  const head = gitDir && smallFile(join(gitDir, "HEAD"));
  if (!head) return undefined;
  const branch = /^ref: refs\/heads\/(\S+)\n?$/.exec(head)?.[1];
  if (branch) return { isGitRepo: true, branch };
  return OBJECT_ID.test(head) ? { isGitRepo: true, branch: null } : undefined;
}

const OBJECT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})\n?$/;

/** packed-refs beyond this is left to git: it is read on the event loop. */
const MAX_PACKED_REFS_BYTES = 1 << 20;

/**
 * The commit HEAD names, read from disk like the branch: a detached HEAD's id, or the branch's
 * loose ref, or else its line in packed-refs (both in the common git dir, for a linked worktree).
 * A loose ref that is not an object id, a ref store git keeps otherwise (reftable), or a branch
 * with no commit yet answers undefined: git decides.
 */
export function commitFromHeadFile(root: string): string | undefined {
  const gitDir = gitDirOf(root);
  const head = gitDir && smallFile(join(gitDir, "HEAD"));
  if (!head) return undefined;
  const detached = OBJECT_ID.exec(head)?.[1];
  if (detached) return detached;
  const ref = /^ref: (refs\/heads\/\S+)\n?$/.exec(head)?.[1];
  // git allows no ".." in a ref name: such a HEAD is not followed out of the git dir.
  if (!ref || ref.includes("..")) return undefined;
  const pointer = smallFile(join(gitDir, "commondir"))?.trim();
  const common = pointer ? resolve(gitDir, pointer) : gitDir;
  const loose = join(common, ref);
  // A loose ref wins over packed-refs whatever it holds: only where there is none is the packed line read.
  if (quietly(() => lstatSync(loose))) return OBJECT_ID.exec(smallFile(loose) ?? "")?.[1];
  const packed = smallFile(join(common, "packed-refs"), MAX_PACKED_REFS_BYTES) ?? "";
  for (const line of packed.split("\n")) {
    const [id, name] = line.split(" ");
    if (name === ref && id && OBJECT_ID.test(id)) return id;
  }
  return undefined;
}
