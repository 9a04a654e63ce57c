/** Path helpers the workers share: containment and the imported-artifacts folder every view skips. */
import { isAbsolute, relative } from "node:path";

/** Where artifacts are copied in a worker's worktree; never part of its changes or integration. */
export const ARTIFACTS_DIR = ".ai-bridge/imported-artifacts";

export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export function isImportedArtifact(relativePath: string): boolean {
  return relativePath === ARTIFACTS_DIR || relativePath.startsWith(`${ARTIFACTS_DIR}/`);
}

/** `worker-<slug>`: lower-case letters, digits and dashes, at most 40 characters. */
export function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "worker";
}
