import { isAbsolute, relative, sep } from "node:path";

/**
 * True when `target` is `root` or lies below it, compared segment by segment (so `/a/bc` is not
 * inside `/a/b`). Lexical only: the path guard resolves real paths first. A basic, so the MCP kit
 * and the agent adapters, below the workspace, use the same test as the guard.
 *
 * @example
 * isInside("/srv/repo", "/srv/repo/src/a.ts"); // true
 */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
