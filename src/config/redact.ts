import type { Env } from "./paths.ts";
import type { Config } from "./schema.ts";

export const REDACTED = "[redacted]";

const SECRET_KEY = /token|secret|password|key/i;
// `scheme://user:password@host`: the password part, for URLs such as state.redis_url.
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]+@/i;

export type SettingsView = Omit<Config, "auth"> & {
  auth: Config["auth"] & { token: string | null; token_source: string };
};

/**
 * The effective config as shown to people and tools, with the HTTP token (read from the variable
 * `auth.token_env` names) and anything secret-looking hidden unless `revealToken` is set.
 *
 * @example
 * settingsView(config, { env: process.env, revealToken: false }).auth.token; // "[redacted]" or null
 */
export function settingsView(config: Config, options: { env?: Env; revealToken?: boolean } = {}): SettingsView {
  const { env = process.env, revealToken = false } = options;
  const view = (revealToken ? structuredClone(config) : redactSecrets(config)) as Config;
  const value = env[config.auth.token_env];
  const token = value ? (revealToken ? value : REDACTED) : null;
  return { ...view, auth: { ...view.auth, token, token_source: config.auth.token_env } };
}

/** Secret-looking strings replaced, at any depth. `token_env` only names a variable, so it stays. */
function redactSecrets(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, redactSecrets(item, name)]));
  }
  if (typeof value !== "string" || value === "") return value;
  if (key !== "token_env" && SECRET_KEY.test(key)) return REDACTED;
  return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
}
