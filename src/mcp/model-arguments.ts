/**
 * Arguments as a model meant them. Models and hosts send some values in another shape than the
 * schema's, and a strict refusal costs a turn for nothing:
 * - `null` for an argument left out: some models send every optional argument, the unused ones as
 *   `null`, and some hosts pass that on as it came (LibreChat and OpenClaw did; Cursor and Claude
 *   Desktop drop such keys). An optional argument that does not take `null` itself means "not
 *   given" then.
 * - a number, a boolean or a list as the JSON text of it (`"20"`, `"true"`, `'["a.ts"]'`): Claude
 *   Code's MCP bridge has sent numbers as strings (anthropics/claude-code#5504), and so do some
 *   models. Such a string is read as JSON when the argument does not take the string itself and
 *   does take what it says.
 * Only top-level arguments, and only where the schema decides it: a required argument sent as
 * `null`, or a string that is neither what the argument takes nor JSON of it, is still refused.
 */
import * as v from "valibot";
import type { ObjectSchema } from "./tool.ts";

/**
 * `rawArgs` as the model meant them against `schema` (above); the same object when nothing changes.
 *
 * @example
 * asModelsMeanThem({ file_path: "a.ts", start_line: "2", end_line: null }, readInput); // { file_path: "a.ts", start_line: 2 }
 */
export function asModelsMeanThem(rawArgs: unknown, schema: ObjectSchema): unknown {
  if (!rawArgs || typeof rawArgs !== "object" || Array.isArray(rawArgs)) return rawArgs;
  const entries = schema.entries as Record<string, v.GenericSchema>;
  const args = rawArgs as Record<string, unknown>;
  let meant: Record<string, unknown> | undefined;
  for (const key of Object.keys(args)) {
    const entry = Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (!entry) continue;
    const value = args[key];
    if (value === null && v.is(entry, undefined) && !v.is(entry, null)) {
      meant ??= { ...args };
      delete meant[key];
      continue;
    }
    const read = typeof value === "string" && LOOKS_LIKE_JSON.test(value) ? jsonOf(value, entry) : undefined;
    if (read === undefined) continue;
    meant ??= { ...args };
    meant[key] = read.value;
  }
  return meant ?? rawArgs;
}

/** The start of JSON text that is not a string: most strings (a path, a query) are passed by at this test. */
const LOOKS_LIKE_JSON = /^\s*(?:-?\d|\[|\{|true\b|false\b)/;

/** The value `text` is JSON of, when `entry` refuses the text itself and takes that value. */
function jsonOf(text: string, entry: v.GenericSchema): { value: unknown } | undefined {
  if (v.is(entry, text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return v.is(entry, value) ? { value } : undefined;
}
