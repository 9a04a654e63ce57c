/**
 * Git worktrees, one home for jobs, workers and pipeline runs: the branch point, creating and
 * removing a worktree on its own branch, the files a worktree changed and a base checkout's
 * uncommitted changes, the tree fingerprint of read-only checks, and a worktree's changes as a
 * commit under refs/patchbay/ with the merge check between such commits, and the patch that
 * carries a worktree's changes to its base checkout.
 */
export { branchPoint, createScratchWorktree, createWorktree, removeWorktree, type Worktree, type WorktreePlace } from "./worktree.ts";
export { type ChangedFile, changedFiles, uncommittedChanges } from "./changes.ts";
export { treeFingerprint } from "./fingerprint.ts";
export { dropPrivateRefs, type MergeCheck, mergeCheck, PRIVATE_REF_PREFIX, snapshotCommit } from "./snapshot.ts";
export { MAX_PATCH_BYTES, unsafeChanges, worktreeFileDiff, worktreePatch, type WorktreePatch } from "./patch.ts";
