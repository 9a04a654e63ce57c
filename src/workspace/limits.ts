/**
 * Default bounds of workspace tool results. Tools accept smaller values in their arguments; larger
 * ones are clamped to these, so no single call can stream a repository into a chat.
 */
export const LIMITS = {
  readBytes: 200_000,
  diffBytes: 200_000,
  searchResults: 100,
  searchMaxResults: 1_000,
  treeEntries: 500,
  treeMaxEntries: 5_000,
  treeDepth: 4,
  skillBytes: 40_000,
  skillCount: 120,
  contextBytes: 400_000,
} as const;
