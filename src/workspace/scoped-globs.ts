/**
 * Blocked globs are written for an allowed root; a repository chosen below it (repo_path) sees its
 * files by paths relative to itself. A glob with a slash (`config/secret.json`) names the file
 * as `config/secret.json` from the allowed root but `secret.json` from `config`, so tree, search,
 * status, diffs and safe commands, which test repository paths against the globs, need the globs
 * as the repository sees them too (the path guard checks both ways on its own).
 */
import picomatch from "picomatch";
import { comparableName } from "./names.ts";

function segmentMatches(pattern: string, name: string): boolean {
  return picomatch(pattern, { dot: true })(name) || picomatch(comparableName(pattern), { dot: true })(comparableName(name));
}

/**
 * The part of `glob` (relative to the allowed root) that applies below `prefix` (the repository's
 * path from the allowed root, `/`-separated), or undefined when the glob cannot match there.
 */
function globBelow(glob: string, prefix: readonly string[]): string | undefined {
  const segments = glob.split("/");
  for (const [at, name] of prefix.entries()) {
    const pattern = segments[at];
    // The glob ends above the repository: it blocks the repository itself, which is refused before this.
    if (pattern === undefined) return undefined;
    // `**` can take the rest of the prefix and more: from the repository it matches at any depth.
    if (pattern === "**") return segments.slice(at).join("/");
    if (pattern.includes("**") || !segmentMatches(pattern, name)) return undefined;
  }
  const rest = segments.slice(prefix.length).join("/");
  return rest === "" ? undefined : rest;
}

/**
 * `globs` plus, for the repository at `prefix` below the allowed root they were written for, the
 * globs with a slash re-anchored at the repository; a glob without a slash matches at any depth
 * already.
 *
 * @example
 * globsFromRepository(["config/secret.json", ".env*"], "config"); // ["config/secret.json", ".env*", "secret.json"]
 */
export function globsFromRepository(globs: readonly string[], prefix: string): string[] {
  if (prefix === "") return [...globs];
  const below = globs.flatMap((glob) => {
    if (!glob.includes("/")) return [];
    const anchored = globBelow(glob, prefix.split("/"));
    return anchored === undefined || globs.includes(anchored) ? [] : [anchored];
  });
  return [...globs, ...new Set(below)];
}
