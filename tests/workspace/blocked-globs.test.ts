/**
 * blockedBy answers from regexes compiled once and a required-text shortcut instead of picomatch's
 * per-call matcher. It must block exactly what that matcher blocks: here both decide every pairing
 * of globs (the defaults, and globs with classes, braces, extglobs, negation and escapes) with paths
 * and look-alike names, and must agree on each.
 */
import { afterAll, describe, expect, test } from "bun:test";
import picomatch from "picomatch";
import { loadConfig } from "../../src/config/index.ts";
import { blockedBy } from "../../src/workspace/blocked.ts";
import { comparableName } from "../../src/workspace/names.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

const CASE_INSENSITIVE_FS = process.platform === "darwin" || process.platform === "win32";

/** What blockedBy answered before: picomatch's matcher on each parent path, raw and folded. */
function reference(relativePath: string, patterns: readonly string[]): string | undefined {
  if (relativePath === "") return undefined;
  const matcher = (pattern: string) => picomatch(pattern, { dot: true, basename: !pattern.includes("/"), nocase: CASE_INSENSITIVE_FS });
  const segments = relativePath.split("/");
  const folded = segments.map(comparableName);
  for (let depth = segments.length; depth > 0; depth--) {
    const candidate = segments.slice(0, depth).join("/");
    const foldedCandidate = folded.slice(0, depth).join("/");
    const hit = patterns.find((pattern) => matcher(pattern)(candidate) || matcher(comparableName(pattern))(foldedCandidate));
    if (hit) return hit;
  }
  return undefined;
}

const RICH_GLOBS = [
  "secrets/**",
  "config/secret.json",
  "*.{pem,key}",
  "**/[Ii]d_*",
  "!(*.md)",
  "!*.md",
  "!secrets/**",
  "+(a|b).txt",
  "@(x|y)/**",
  "file\\*.txt",
  "?env",
  "**/.npmrc",
  "build/*/out?",
  "ÉTÉ*",
  "*.PEM",
  "a/**/b",
];

const NAMES = [
  ".env",
  ".env.local",
  ".ENV",
  ".env\u200b",
  "\uff0eenv",
  "env",
  "xenv",
  "server.pem",
  "server.PEM",
  "cert.pem.bak",
  "id_rsa",
  "Id_ed25519",
  "id_rsa.pub",
  ".git",
  ".GIT",
  "config",
  "secret.json",
  "secrets",
  "a",
  "b",
  "a.txt",
  "ab.txt",
  "x",
  "README.md",
  "file*.txt",
  "filex.txt",
  ".npmrc",
  "build",
  "out1",
  "été.txt",
  "ÉTÉ.txt",
  "key",
  "x.key",
];

/** Every path of one to three of NAMES' segments, sampled so the test stays quick but touches each name at each depth. */
function paths(): string[] {
  const out = new Set<string>();
  for (const first of NAMES) {
    out.add(first);
    for (const [index, second] of NAMES.entries()) {
      out.add(`${first}/${second}`);
      out.add(`${first}/${second}/${NAMES[(index * 7 + first.length) % NAMES.length]}`);
    }
  }
  return [...out];
}

afterAll(removeTempDirs);

describe("blockedBy agrees with picomatch's matcher", () => {
  test("on the default blocked globs, for every path", async () => {
    const home = tempDir("patchbay-blocked-");
    const globs = (await loadConfig({ home })).repositories.blocked_globs;
    expect(globs.length).toBeGreaterThan(0);
    const disagreements = paths().filter((path) => blockedBy(path, globs) !== reference(path, globs));
    expect(disagreements).toEqual([]);
  });

  test("on each richer glob alone, and on all of them together", () => {
    const all = paths();
    for (const glob of RICH_GLOBS) {
      const disagreements = all.filter((path) => blockedBy(path, [glob]) !== reference(path, [glob]));
      expect({ glob, disagreements }).toEqual({ glob, disagreements: [] });
    }
    expect(all.filter((path) => blockedBy(path, RICH_GLOBS) !== reference(path, RICH_GLOBS))).toEqual([]);
  });

  test("it blocks what the defaults are for", () => {
    const defaults = [".env*", "**/*.pem", "**/*.key", ".git/**", "**/id_rsa*"];
    expect(blockedBy(".git", defaults)).toBe(".git/**");
    expect(blockedBy("deploy/keys/server.pem", defaults)).toBe("**/*.pem");
    expect(blockedBy("sub/.ENV\u200b.local", defaults)).toBe(".env*");
    expect(blockedBy("src/app.ts", defaults)).toBeUndefined();
  });
});
