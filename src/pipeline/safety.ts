/**
 * Patch safety: FINAL.diff is read by its git-framed headers only (`diff --git`, `---`/`+++`,
 * rename/copy lines, modes), never by hunk bodies, so a line of content that looks like a header
 * cannot smuggle or hide a path. A patch is refused when it is empty, unframed, or touches `.git`,
 * `.env*`, secret-like paths, absolute paths, `..`, a symlink, or anything outside the repository.
 * Binary changes are allowed and flagged.
 */
import { realpathSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { SECRET_PATH } from "../redact/index.ts";
import { isInside } from "../workspace/index.ts";

export const PATCH_RULES = [
  "empty_patch",
  "not_git_framed",
  "absolute_path",
  "path_traversal",
  "git_dir",
  "env_file",
  "secret_path",
  "outside_repository",
  "symlink",
] as const;
export type PatchRule = (typeof PATCH_RULES)[number];

export interface PatchViolation {
  rule: PatchRule;
  path?: string;
  message: string;
}

export interface PatchReport {
  ok: boolean;
  violations: PatchViolation[];
  /** Every path the headers name (old and new), after unquoting and prefix stripping. */
  paths: string[];
  binary: string[];
}

/** Git's C-style quoted path (`"b/foo\057.env"`) as plain text. */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"')) return text;
  const body = text.slice(1, text.lastIndexOf('"') > 0 ? text.lastIndexOf('"') : undefined);
  const bytes: number[] = [];
  const named: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, a: 7, v: 11, '"': 34, "\\": 92 };
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== "\\") {
      bytes.push(...Buffer.from(char, "utf8"));
      continue;
    }
    const next = body[i + 1] ?? "";
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(named[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function stripPrefix(path: string): string | undefined {
  if (path === "/dev/null") return undefined;
  return path.replace(/^[ab]\//, "");
}

/** The two paths of a `diff --git a/x b/y` line (quoted or not). */
function headerPaths(rest: string): string[] {
  const quoted = rest.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  if (quoted.length === 2) return quoted.map((part) => unquoteGitPath(part));
  // Unquoted names with spaces: split at " b/" as git does for identical names.
  const split = rest.indexOf(" b/");
  return split > 0 ? [rest.slice(0, split), rest.slice(split + 1)] : [rest];
}

/** Every header path of a diff, section by section, and the binary and symlink markers. */
export function parsePatchHeaders(diff: string): { framed: boolean; paths: string[]; binary: string[]; symlinks: string[] } {
  const paths = new Set<string>();
  const binary = new Set<string>();
  const symlinks = new Set<string>();
  let framed = false;
  let inHeader = false;
  let current: string[] = [];
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      framed = true;
      inHeader = true;
      current = headerPaths(line.slice("diff --git ".length))
        .map(stripPrefix)
        .filter((path): path is string => path !== undefined);
      for (const path of current) paths.add(path);
      continue;
    }
    if (!inHeader) continue;
    if (line.startsWith("@@")) {
      inHeader = false;
      continue;
    }
    const header = /^(--- |\+\+\+ |rename from |rename to |copy from |copy to )(.*)$/.exec(line);
    if (header) {
      const raw = unquoteGitPath(header[2]!.replace(/\t.*$/, ""));
      const path = header[1]!.startsWith("---") || header[1]!.startsWith("+++") ? stripPrefix(raw) : raw;
      if (path !== undefined) paths.add(path);
      continue;
    }
    if (/^(new file mode|new mode|old mode|deleted file mode) 120000/.test(line)) for (const path of current) symlinks.add(path);
    if (line.startsWith("GIT binary patch") || /^Binary files .* differ$/.test(line)) for (const path of current) binary.add(path);
  }
  return { framed, paths: [...paths], binary: [...binary], symlinks: [...symlinks] };
}

/** The real path of `path` inside `repo`, following symlinks of the parts that exist. */
function realInside(repo: string, path: string): boolean {
  const realRepo = realpathSync(repo);
  let probe = resolve(realRepo, path);
  for (;;) {
    try {
      const real = realpathSync(probe);
      return isInside(realRepo, join(real, relative(probe, resolve(realRepo, path))));
    } catch {
      const parent = dirname(probe);
      if (parent === probe) return false;
      probe = parent;
    }
  }
}

function checkPath(path: string, repo: string | undefined): PatchViolation | undefined {
  const segments = path.split(/[\\/]+/);
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path))
    return { rule: "absolute_path", path, message: `${path}: absolute paths are not allowed` };
  if (segments.includes("..")) return { rule: "path_traversal", path, message: `${path}: ".." leaves the repository` };
  if (segments.some((segment) => segment.toLowerCase() === ".git")) return { rule: "git_dir", path, message: `${path}: the patch touches .git` };
  const base = segments.at(-1)!.toLowerCase();
  if (base === ".env" || base.startsWith(".env.")) return { rule: "env_file", path, message: `${path}: .env files hold secrets and are never patched` };
  if (SECRET_PATH.test(path)) return { rule: "secret_path", path, message: `${path}: looks like a key, certificate, credential or secret` };
  if (repo && !realInside(repo, path)) return { rule: "outside_repository", path, message: `${path}: resolves outside the repository (through a symlink)` };
  return undefined;
}

/**
 * Checks a patch against every rule; `repo` (the checkout it will apply to) enables the symlink
 * escape check.
 *
 * @example
 * const report = checkPatch(diff, "/srv/repo");
 * if (!report.ok) throw new Error(report.violations.map((v) => v.message).join("; "));
 */
export function checkPatch(diff: string, repo?: string): PatchReport {
  if (diff.trim() === "")
    return { ok: false, violations: [{ rule: "empty_patch", message: "the patch is empty: the writer changed nothing" }], paths: [], binary: [] };
  const parsed = parsePatchHeaders(diff);
  const violations: PatchViolation[] = [];
  if (!parsed.framed || parsed.paths.length === 0) violations.push({ rule: "not_git_framed", message: "the patch has no `diff --git` headers with paths" });
  for (const path of parsed.paths) {
    const violation = checkPath(path, repo);
    if (violation) violations.push(violation);
  }
  for (const path of parsed.symlinks) violations.push({ rule: "symlink", path, message: `${path}: the patch adds or changes a symlink` });
  return { ok: violations.length === 0, violations, paths: parsed.paths, binary: parsed.binary };
}
