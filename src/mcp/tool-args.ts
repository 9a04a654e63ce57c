/**
 * Arguments many tools share, declared once. Every host puts each tool's input schema into its
 * model's context (issue #16's catalog budget), so a shared argument is described here, briefly,
 * instead of in each capability's own words.
 */
import * as v from "valibot";

/** JSON Schema key that marks an argument tools/list leaves out (see `unlisted`). */
export const UNLISTED = "x-patchbay-unlisted";

/**
 * An argument the tool still accepts (prompts written for the original designs send it) but that
 * no model should choose: ignored, or refused when set. tools/list (and so docs/tools.md) leaves
 * it out; validation still takes it.
 */
export function unlisted<S extends v.GenericSchema>(schema: S, description: string) {
  return v.optional(v.pipe(schema, v.description(description), v.metadata({ [UNLISTED]: true })));
}

/** The repository a tool works in; the session's default root when left out. */
export const repoPathArg = v.optional(v.pipe(v.string(), v.description("Default: the session's repository.")));
