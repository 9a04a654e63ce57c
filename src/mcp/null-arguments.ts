/**
 * `null` for an argument left out. Some models send every optional argument, the unused ones as
 * `null` (`{"file_path": "a.ts", "start_line": null}`), and some hosts pass that on as it came
 * (LibreChat and OpenClaw did, where Cursor and Claude Desktop drop such keys). A tool's optional
 * argument that does not itself take `null` means "not given" then, so the registry drops it
 * before validation instead of refusing the call; a required argument given as `null` is still
 * refused, naming it.
 */
import * as v from "valibot";
import type { ObjectSchema } from "./tool.ts";

/**
 * `rawArgs` without the top-level keys that are `null` where `schema` takes the argument as
 * optional but not as `null`; the same object when there are none.
 *
 * @example
 * withoutNullOptionals({ file_path: "a.ts", start_line: null }, readInput); // { file_path: "a.ts" }
 */
export function withoutNullOptionals(rawArgs: unknown, schema: ObjectSchema): unknown {
  if (!rawArgs || typeof rawArgs !== "object" || Array.isArray(rawArgs)) return rawArgs;
  const args = rawArgs as Record<string, unknown>;
  const entries = schema.entries as Record<string, v.GenericSchema>;
  const dropped = Object.keys(args).filter((key) => args[key] === null && Object.hasOwn(entries, key) && leftOutMeansNull(entries[key]!));
  if (dropped.length === 0) return rawArgs;
  return Object.fromEntries(Object.entries(args).filter(([key]) => !dropped.includes(key)));
}

/** An argument that may be left out and does not take `null` itself. */
function leftOutMeansNull(entry: v.GenericSchema): boolean {
  return v.is(entry, undefined) && !v.is(entry, null);
}
