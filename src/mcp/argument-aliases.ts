/**
 * Other names of arguments (`argumentAliases` on a tool or an alias: the original designs' names),
 * renamed by the registry before validation, for every tool in this one place.
 */
import { PatchbayError } from "../errors/index.ts";
import type { ArgumentAliases } from "./tool.ts";

/**
 * The arguments with each other name replaced by the tool's own; both names at once is an error
 * rather than a silent choice.
 *
 * @example
 * renameArguments("codex_export_context", { title: "brief" }, { title: "name" }); // { name: "brief" }
 */
export function renameArguments(tool: string, rawArgs: unknown, aliases: ArgumentAliases): unknown {
  if (!rawArgs || typeof rawArgs !== "object" || Array.isArray(rawArgs)) return rawArgs;
  const args = { ...(rawArgs as Record<string, unknown>) };
  for (const [other, own] of Object.entries(aliases)) {
    if (!Object.hasOwn(args, other)) continue;
    if (Object.hasOwn(args, own))
      throw new PatchbayError("invalid_arguments", `${tool}: ${other} is another name of ${own}; pass one of them`, { next: `drop ${other}` });
    args[own] = args[other];
    delete args[other];
  }
  return args;
}
