/**
 * The checked-out branch read from HEAD on disk, without a git process: codex_list_workspaces asks
 * for it for every allowed root, and a spawn costs milliseconds while these reads cost
 * microseconds. Nothing is cached, so a switched branch shows at once. Anything but the plain
 * layouts (a `.git` directory, or a `.git` file naming the git dir of a worktree or submodule),
 * a repository another user owns (git refuses those), or a HEAD that is neither a branch nor a
 * commit answers undefined, and git decides as before.
 */
import { lstat, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

export interface HeadBranch {
  isGitRepo: true;
  /** null on a detached HEAD. */
  branch: string | null;
}

async function gitDirAt(dir: string): Promise<string | undefined | null> {
  const dotGit = join(dir, ".git");
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info) return null; // not here: look in the parent
  if (info.isDirectory()) return dotGit;
  if (!info.isFile()) return undefined;
  const pointer = /^gitdir: (.+)\n?$/.exec(await readFile(dotGit, "utf8"))?.[1];
  return pointer ? resolve(dir, pointer) : undefined;
}

export async function branchFromHeadFile(root: string): Promise<HeadBranch | undefined> {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const gitDir = await gitDirAt(dir);
    if (gitDir === undefined) return undefined;
    if (gitDir !== null) {
      const owner = await stat(dir).catch(() => undefined);
      if (!owner || owner.uid !== process.getuid?.()) return undefined;
      const head = await readFile(join(gitDir, "HEAD"), "utf8").catch(() => undefined);
      const branch = head && /^ref: refs\/heads\/(\S+)\n?$/.exec(head)?.[1];
      if (branch) return { isGitRepo: true, branch };
      return head && /^[0-9a-f]{40,64}\n?$/.test(head) ? { isGitRepo: true, branch: null } : undefined;
    }
    if (dirname(dir) === dir) return undefined; // no .git up to / : git has the last word (GIT_DIR, ceilings)
  }
}
