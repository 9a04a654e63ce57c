/**
 * The environment a child process started for a caller gets: only the variables named in
 * `security.allowed_env_keys` ("*" passes them all), so tokens in the server's environment never
 * reach an agent, a command or a test a chat asked for.
 *
 * @example
 * allowedEnvironment(["PATH", "HOME"]); // { PATH: "...", HOME: "..." }
 */
export function allowedEnvironment(allowedKeys: readonly string[], env: Record<string, string | undefined> = process.env): Record<string, string> {
  const all = allowedKeys.includes("*");
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (all || allowedKeys.includes(key))) kept[key] = value;
  }
  return kept;
}
