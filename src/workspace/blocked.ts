import picomatch from "picomatch";
import { comparableName } from "./names.ts";

const CASE_INSENSITIVE_FS = process.platform === "darwin" || process.platform === "win32";

/** Whether a `/`-separated path matches a pattern, as picomatch's matcher answers (see globTest). */
type GlobTest = (path: string) => boolean;

/** A pattern's test of a path and of its folded form (comparableName), compiled once per pattern. */
const tests = new Map<string, (path: string, folded: string) => boolean>();

function testFor(pattern: string): (path: string, folded: string) => boolean {
  let test = tests.get(pattern);
  if (!test) {
    const raw = globTest(pattern);
    // Also as a case-insensitive, normalizing disk sees names: `.ENV` and `.env\u200b` are `.env` there.
    const folded = globTest(comparableName(pattern));
    test = (path, foldedPath) => raw(path) || folded(foldedPath);
    tests.set(pattern, test);
  }
  return test;
}

/**
 * picomatch's matcher for `pattern` with `dot` and, like .gitignore, `basename` for a pattern
 * without a slash (`.env*`, `id_rsa` match a name at any depth); where the filesystem ignores case,
 * `.ENV` is `.env`, so the match does too. The matcher's own decision, without the result object it
 * builds on every call: a path equal to the pattern matches, and otherwise its regex decides, on
 * the last segment in basename mode. Every path of every tool call is tested against every glob,
 * and picomatch's regexes are slow to fail, so a path without the glob's required text is
 * answered first (docs/benchmarks.md).
 */
function globTest(pattern: string): GlobTest {
  const basename = !pattern.includes("/");
  const regex = picomatch.makeRe(pattern, { dot: true, nocase: CASE_INSENSITIVE_FS });
  const literal = requiredText(pattern);
  return (path) => {
    if (path === "") return false;
    if (path === pattern) return true;
    const tested = basename ? lastSegment(path) : path;
    if (literal !== undefined && !(CASE_INSENSITIVE_FS ? tested.toLowerCase() : tested).includes(literal)) return false;
    return regex.test(tested);
  };
}

/** Glob syntax beyond `*`, `?` and `/`: classes, braces, extglobs, negation, escapes. */
const RICH_GLOB = /[[\]{}()!+@\\]/;

/**
 * Text every match of `pattern` contains: its longest run of plain characters. Only for globs made
 * of plain characters, `*`, `?` and `/` (in those each plain character matches only itself), and
 * only ASCII where case is ignored (the regex's case folding and toLowerCase agree there).
 */
function requiredText(pattern: string): string | undefined {
  if (RICH_GLOB.test(pattern)) return undefined;
  // `/` splits too: `.git/**` matches `.git` itself.
  const longest = pattern.split(/[*?/]/).reduce((kept, run) => (run.length > kept.length ? run : kept), "");
  if (longest === "") return undefined;
  if (!CASE_INSENSITIVE_FS) return longest;
  return /^[\x20-\x7e]*$/.test(longest) ? longest.toLowerCase() : undefined;
}

/** picomatch's basename: the last segment, or the one before a trailing slash. */
function lastSegment(path: string): string {
  const end = path.endsWith("/") ? path.length - 1 : path.length;
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
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
  const folded = segments.map(comparableName);
  const compiled = patterns.map(testFor);
  for (let depth = segments.length; depth > 0; depth--) {
    const candidate = segments.slice(0, depth).join("/");
    const foldedCandidate = folded.slice(0, depth).join("/");
    const hit = compiled.findIndex((test) => test(candidate, foldedCandidate));
    if (hit >= 0) return patterns[hit];
  }
  return undefined;
}
