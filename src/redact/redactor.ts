/**
 * Secret redaction for log lines and tool results: values of environment variables whose name
 * has one of `SECRET_WORDS`, plus well-known credential shapes, become `[redacted]`. A known
 * value is also found in the encodings a child process produces with one command: base64
 * (standard and URL-safe, padded or not, at each of the three byte alignments it can have inside
 * a longer encoded text) and hex (lower and upper case).
 */
import { REDACTED, SECRET_NAME } from "./secret-words.ts";

/** Shorter values (`true`, `1`, `en`) would redact ordinary words everywhere. */
const MIN_ENV_SECRET_LENGTH = 8;

/** Credential shapes replaced as a whole. */
const SECRET_SHAPES: readonly RegExp[] = [
  // PEM private keys, including a block cut short by truncation.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-). Requiring a digit spares words like "sk-learn-compatible-models".
  /\bsk-(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}/g,
  /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/g,
  // patchbay agent bearer tokens (`patchbay token add`): pbt_ and 43 base64url characters.
  /\bpbt_[A-Za-z0-9_-]{20,}/g,
  // patchbay OAuth secrets (src/oauth): access, refresh, code, login and client secret, pbo + a letter + _ and 43 base64url characters.
  /\bpbo[acrls]_[A-Za-z0-9_-]{20,}/g,
];

/** Shapes whose first group (the label) stays, so the log still says what was there. */
const LABELLED_SECRETS: readonly RegExp[] = [/(\bauthorization["']?\s*[:=]\s*["']?bearer\s+)[^\s"',;]+/gi, /(\bpatchbay_token=)[^&#\s"'<>]+/g];

/**
 * Text every shape above needs somewhere (their literal starts): a string without one is left
 * alone after one scan instead of ten. Only a shortcut; each shape still decides. Written as the
 * markers' first characters and what may follow them, case-sensitive like the shapes but for
 * `authorization`: as an alternation of whole markers with the `i` flag, this scan took 6 µs on
 * 2 KB of source code, and every tool result passes through it (docs/benchmarks.md).
 */
const SHAPE_MARKERS =
  /[-sgAxpa](?:----BEGIN |k-|h[pousr]_|ithub_pat_|KIA|SIA|Iza|ox[abpr]-|bt_|bo[acrls]_|atchbay_token=|[Uu][Tt][Hh][Oo][Rr][Ii][Zz][Aa][Tt][Ii][Oo][Nn])/;

export interface Redactor {
  redact(text: string): string;
  /** `value` with every string inside plain objects and arrays redacted: a copy, or `value` itself when none needed it. */
  redactDeep<T>(value: T): T;
}

/**
 * Build a redactor once per environment; the environment matcher is compiled here, not per line.
 *
 * @example
 * const { redact } = createRedactor({ OPENAI_API_KEY: "abc123456789" });
 * redact("key=abc123456789"); // "key=[redacted]"
 */
export function createRedactor(env: Record<string, string | undefined> = process.env): Redactor {
  const envSecrets = envSecretMatcher(env);
  // Without the g flag: test() on a global regex moves its lastIndex.
  const anyEnvSecret = envSecrets && new RegExp(envSecrets.source);
  const redact = (text: string): string => {
    let result = envSecrets ? text.replace(envSecrets, REDACTED) : text;
    if (!SHAPE_MARKERS.test(result)) return result;
    for (const shape of SECRET_SHAPES) result = result.replace(shape, REDACTED);
    for (const labelled of LABELLED_SECRETS) result = result.replace(labelled, `$1${REDACTED}`);
    return result;
  };
  const mayHide = (text: string) => SHAPE_MARKERS.test(text) || (anyEnvSecret ? anyEnvSecret.test(text) : false);
  return {
    redact,
    // Most results hold no secret: looking costs a fraction of copying them (docs/benchmarks.md).
    redactDeep: (value) => (anyString(value, mayHide, new Set()) ? (redactValue(value, redact, new WeakMap()) as typeof value) : value),
  };
}

/** Replace every occurrence of one known secret, such as the server's own bearer token. */
export function redactToken(text: string, token: string): string {
  return token ? text.split(token).join(REDACTED) : text;
}

function envSecretMatcher(env: Record<string, string | undefined>): RegExp | undefined {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_ENV_SECRET_LENGTH && SECRET_NAME.test(name)) for (const form of encodedForms(value)) values.add(form);
  }
  if (values.size === 0) return undefined;
  // Longest first, so a secret that contains another is replaced whole.
  const alternatives = [...values].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(alternatives.join("|"), "g");
}

/**
 * `secret` as written, in hex, and in base64. Inside a longer base64 text the secret starts 0, 1
 * or 2 bytes into a 3-byte group; for each start, the characters that encode only the secret's
 * own bits are the same whatever surrounds it, so those are what is searched for. Padding needs
 * no form of its own: the unpadded characters are a prefix of the padded text.
 */
function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const hex = bytes.toString("hex");
  const forms = [secret, hex, hex.toUpperCase()];
  for (const offset of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    const own = shifted.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    forms.push(own, own.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return [...new Set(forms)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `test` holds for a string redactValue would reach in `value`: the same walk, copying nothing. */
function anyString(value: unknown, test: (text: string) => boolean, seen: Set<object>): boolean {
  if (typeof value === "string") return test(value);
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.some((item) => anyString(item, test, seen));
  if (!isPlainObject(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key) && anyString((value as Record<string, unknown>)[key], test, seen)) return true;
  return false;
}

function redactValue(value: unknown, redact: (text: string) => string, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(redactValue(item, redact, seen));
    return copy;
  }
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item, redact, seen);
  return copy;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
