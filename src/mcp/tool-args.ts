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

/**
 * The repository a tool works in (absolute, or relative to the session's default root); the
 * session's default root when left out. Its name and optionality say so: about 50 bytes of
 * description in every tool that takes it would cost more than they tell a model.
 */
export const repoPathArg = v.optional(v.string());

/**
 * A flag that is on unless set to false. The default is said once, as the schema's `default`, not
 * in words; validation leaves an omitted flag unset and the tool reads it as `!== false`.
 */
export function onByDefault(description?: string) {
  const flag = v.pipe(v.boolean(), v.metadata({ default: true }));
  return v.optional(description === undefined ? flag : v.pipe(flag, v.description(description)));
}
