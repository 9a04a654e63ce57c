/**
 * Numeric flags: citty hands every value over as text, so each numeric flag is parsed here by one
 * valibot schema with its valid range, and a bad value is a usage error naming the flag.
 */
import * as v from "valibot";
import { PatchbayError } from "../errors/index.ts";

/** The valid values of one numeric flag. */
export interface IntegerRange {
  min: number;
  max: number;
}

/**
 * `value` of `--flag` as an integer in `range`, or `fallback` when the flag was not given.
 *
 * @example integerFlag("limit", args.limit, { min: 1, max: 1000 }, 20) // "abc" → exit 2
 */
export function integerFlag(flag: string, value: string | undefined, range: IntegerRange, fallback: number): number;
export function integerFlag(flag: string, value: string | undefined, range: IntegerRange): number | undefined;
export function integerFlag(flag: string, value: string | undefined, range: IntegerRange, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const schema = v.pipe(v.string(), v.trim(), v.regex(/^[+-]?\d+$/), v.transform(Number), v.integer(), v.minValue(range.min), v.maxValue(range.max));
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  throw new PatchbayError("invalid_flag", `--${flag}: expected an integer from ${range.min} to ${range.max}, got ${value === "" ? "nothing" : value}`, {
    next: `pass --${flag} ${fallback ?? range.min} or another whole number in that range`,
  });
}
