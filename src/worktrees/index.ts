/**
 * Git worktrees, one home for jobs, workers and pipeline runs: the branch point, creating and
 * removing a worktree on its own branch, the files a worktree changed and a base checkout's
 * uncommitted changes, and the tree fingerprint of read-only checks.
 */
export { branchPoint, createWorktree, removeWorktree, type Worktree, type WorktreePlace } from "./worktree.ts";
export { type ChangedFile, changedFiles, uncommittedChanges } from "./changes.ts";
export { treeFingerprint } from "./fingerprint.ts";
