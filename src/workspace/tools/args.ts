/**
 * The argument kit every workspace tool shares: the same `repo_path`, counts and flags everywhere,
 * and the CodexPro alias builder.
 */
import * as v from "valibot";
import type { ToolAlias } from "../../mcp/tool.ts";

export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export const repoPathArg = v.optional(v.pipe(v.string(), v.description("Repository directory (absolute, or relative to the session's default root); defaults to the session's repository.")));

export function countArg(description: string) {
  return v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(description)));
}

export function flagArg(description: string) {
  return v.optional(v.pipe(v.boolean(), v.description(description)));
}

/**
 * A CodexPro-compatible alias (advertised in full mode only): it also takes `root` and
 * `workspace_root` for repo_path, plus per-tool `renames` (e.g. `path` → `file_path`), and
 * `ignoredFlags` CodexPro sent that mean nothing here. A canonical name wins over its alias.
 */
export function codexProAlias(name: string, canonical: v.ObjectEntries, renames: Record<string, string> = {}, ignoredFlags: readonly string[] = []): ToolAlias {
  const allRenames: Record<string, string> = { root: "repo_path", workspace_root: "repo_path", ...renames };
  const aliasEntries = Object.fromEntries(Object.entries(allRenames).map(([from, to]) => [from, canonical[to] ?? v.optional(v.string())]));
  const ignoredEntries = Object.fromEntries(ignoredFlags.map((flag) => [flag, flagArg("Accepted for CodexPro compatibility; ignored.")]));
  return {
    name,
    input: v.strictObject({ ...canonical, ...aliasEntries, ...ignoredEntries }),
    mapArgs(args) {
      const mapped: Record<string, unknown> = Object.fromEntries(Object.entries(args).filter(([key]) => key in canonical));
      for (const [from, to] of Object.entries(allRenames)) if (mapped[to] === undefined && args[from] !== undefined) mapped[to] = args[from];
      return mapped;
    },
  };
}
