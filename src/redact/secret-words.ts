/**
 * What patchbay calls secret, in one place: the replacement text and the words that mark a name
 * (an environment variable, a config key) as holding a secret.
 */

/** What a hidden secret is replaced by, in tool results, logs and the settings view. */
export const REDACTED = "[redacted]";

/**
 * A name that contains one of these words, in any case, holds a secret: `OPENAI_API_KEY`,
 * `GITHUB_TOKEN`, `client_secret`, `DB_PASSWORD`, `GOOGLE_APPLICATION_CREDENTIALS`. The union of
 * the lists the environment redactor and the settings view used to keep apart.
 */
export const SECRET_WORDS: readonly string[] = ["key", "token", "secret", "password", "credential"];

/** Matches a name that contains a secret word, in any case. */
export const SECRET_NAME = new RegExp(SECRET_WORDS.join("|"), "i");

/**
 * A path that names a secret file: a segment or word such as `secrets`, `credentials`, `token`,
 * `private_key`, `id_rsa`, or a key or certificate extension. Agents' writers and the pipeline's
 * patch check refuse such paths.
 */
export const SECRET_PATH =
  /(^|[\\/._-])(private[_-]?key|secrets?|credentials?|tokens?|id_rsa|id_ed25519|id_ecdsa)([\\/._-]|$)|\.(pem|key|p12|pfx|jks|keystore)$/i;
