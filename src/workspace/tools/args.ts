/**
 * The argument kit every workspace tool shares: the same `repo_path`, counts and flags everywhere,
 * and the CodexPro alias builder.
 */
import * as v from "valibot";
import type { ToolAlias } from "../../mcp/tool.ts";

export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

import { unlisted } from "../../mcp/tool-args.ts";

export { onByDefault, repoPathArg, unlisted } from "../../mcp/tool-args.ts";

export function countArg(description: string) {
  return v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(description)));
}

export function flagArg(description: string) {
  return v.optional(v.pipe(v.boolean(), v.description(description)));
}

/** CodexPro's names for repo_path, taken by every alias of a workspace tool. */
export const ROOT_ALIASES = { root: "repo_path", workspace_root: "repo_path" } as const;

export interface CodexProAliasOptions {
  /** CodexPro's argument names for canonical ones, e.g. `{ path: "file_path" }`. */
  renames?: Record<string, string>;
  /** Flags CodexPro sent that mean nothing here: accepted and ignored. */
  ignored?: readonly string[];
  /** Values for canonical arguments the alias may leave out, e.g. `{ agent: "codex" }`. */
  defaults?: Record<string, unknown>;
}

/**
 * A CodexPro-compatible alias (advertised in full mode only): it takes the canonical arguments,
 * `root`/`workspace_root` for repo_path, CodexPro's own names (`renames`, renamed by the registry
 * before validation like every argument alias), ignored flags, and defaults. The mapped arguments
 * are validated against the canonical tool, so a required argument given under neither name is
 * still refused.
 */
export function codexProAlias(name: string, canonical: v.ObjectEntries, options: CodexProAliasOptions = {}): ToolAlias {
  const renames: Record<string, string> = { ...ROOT_ALIASES, ...options.renames };
  const defaults = options.defaults ?? {};
  // Advertised as optional: the alias's own name may bring them (the canonical tool still requires them).
  const relaxed = new Set([...Object.values(renames), ...Object.keys(defaults)]);
  const canonicalEntries = Object.fromEntries(Object.entries(canonical).map(([key, schema]) => [key, relaxed.has(key) ? v.optional(schema) : schema]));
  // Advertised so a host that checks arguments against the schema lets CodexPro's names through.
  const aliasEntries = Object.fromEntries(Object.entries(renames).map(([from, to]) => [from, v.optional(canonical[to] ?? v.string())]));
  const ignoredEntries = Object.fromEntries(
    (options.ignored ?? []).map((flag) => [flag, unlisted(v.boolean(), "Accepted for CodexPro compatibility; ignored.")]),
  );
  return {
    name,
    input: v.strictObject({ ...aliasEntries, ...canonicalEntries, ...ignoredEntries }),
    argumentAliases: renames,
    mapArgs(args) {
      const mapped: Record<string, unknown> = Object.fromEntries(Object.entries(args).filter(([key]) => key in canonical));
      for (const [key, value] of Object.entries(defaults)) if (mapped[key] === undefined) mapped[key] = value;
      return mapped;
    },
  };
}

/** A tool's text through the server's redactor: what handlers write must not carry secrets. */
export function redactorOf(context: { app: { redact(value: unknown): unknown } }): (text: string) => string {
  return (text) => context.app.redact(text) as string;
}
