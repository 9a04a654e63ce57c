import { REDACTED, SECRET_NAME } from "./secret-words.ts";

// `scheme://user:password@host`: the password part, for URLs such as state.redis_url.
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]+@/i;

/**
 * A copy of `value` with, at any depth, every non-empty string under a secret-named key replaced
 * and every URL password hidden. Keys in `keep` only name a secret (such as `token_env`), so they stay.
 *
 * @example
 * redactSecretFields({ api_key: "k", url: "redis://u:p@h" }); // { api_key: "[redacted]", url: "redis://u:[redacted]@h" }
 */
export function redactSecretFields(value: unknown, keep: readonly string[] = [], key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecretFields(item, keep));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, redactSecretFields(item, keep, name)]));
  }
  if (typeof value !== "string" || value === "") return value;
  if (!keep.includes(key) && SECRET_NAME.test(key)) return REDACTED;
  return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
}
