import { REDACTED, redactSecretFields } from "../redact/index.ts";
import type { Env } from "./paths.ts";
import type { Config } from "./schema.ts";

export type SettingsView = Omit<Config, "auth"> & {
  auth: Config["auth"] & { token: string | null; token_source: string };
};

/**
 * The effective config as shown to people and tools, with the HTTP token (read from the variable
 * `auth.token_env` names) and anything secret-looking hidden unless `revealToken` is set.
 * `token_env` only names a variable, so it stays.
 *
 * @example
 * settingsView(config, { env: process.env, revealToken: false }).auth.token; // "[redacted]" or null
 */
export function settingsView(config: Config, options: { env?: Env; revealToken?: boolean } = {}): SettingsView {
  const { env = process.env, revealToken = false } = options;
  const view = (revealToken ? structuredClone(config) : redactSecretFields(config, ["token_env"])) as Config;
  const value = env[config.auth.token_env];
  const token = value ? (revealToken ? value : REDACTED) : null;
  return { ...view, auth: { ...view.auth, token, token_source: config.auth.token_env } };
}
