import picomatch from "picomatch";
import { comparableName } from "./names.ts";

const CASE_INSENSITIVE_FS = process.platform === "darwin" || process.platform === "win32";

const matchers = new Map<string, (path: string) => boolean>();

function matcherFor(pattern: string): (path: string) => boolean {
  let matcher = matchers.get(pattern);
  if (!matcher) {
    // Like .gitignore: a pattern without a slash matches a name at any depth (`.env*`, `id_rsa`).
    // Where the filesystem ignores case, `.ENV` is `.env`: match the way the disk does.
    matcher = picomatch(pattern, { dot: true, basename: !pattern.includes("/"), nocase: CASE_INSENSITIVE_FS });
    matchers.set(pattern, matcher);
  }
  return matcher;
}

/**
 * The blocked glob that matches `relativePath` or one of its parent directories (so `.git/**`
 * also blocks `.git` itself and everything under it), or `undefined`.
 *
 * @example
 * blockedBy("config/.env.local", [".env*"]); // ".env*"
 */
export function blockedBy(relativePath: string, patterns: readonly string[]): string | undefined {
  if (relativePath === "") return undefined;
  const segments = relativePath.split("/");
  // Also as a case-insensitive, normalizing disk sees names: `.ENV` and `.env\u200b` are `.env` there.
  const folded = segments.map(comparableName);
  for (let depth = segments.length; depth > 0; depth--) {
    const candidate = segments.slice(0, depth).join("/");
    const foldedCandidate = folded.slice(0, depth).join("/");
    const hit = patterns.find((pattern) => matcherFor(pattern)(candidate) || matcherFor(comparableName(pattern))(foldedCandidate));
    if (hit) return hit;
  }
  return undefined;
}
