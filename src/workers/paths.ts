/** Path helpers the workers share: containment (the path guard's) and the imported-artifacts folder every view skips. */
export { isInside } from "../workspace/index.ts";

/** Where artifacts are copied in a worker's worktree; never part of its changes or integration. */
export const ARTIFACTS_DIR = ".ai-bridge/imported-artifacts";

export function isImportedArtifact(relativePath: string): boolean {
  return relativePath === ARTIFACTS_DIR || relativePath.startsWith(`${ARTIFACTS_DIR}/`);
}

/** `worker-<slug>`: lower-case letters, digits and dashes, at most 40 characters. */
export function slugOf(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "worker"
  );
}
