/**
 * The one place that builds the environment of every process patchbay starts: agents, pipeline
 * providers and test commands, power-tool commands, handoff runs, git. A child gets the base list
 * below, what it declares it needs (an adapter's `env`, a custom agent's `pass_env`) and
 * `security.allowed_env_keys`, minus `security.denied_env_keys`; patchbay's own secrets are
 * withheld whatever the lists say, so a token in the server's environment never reaches a child.
 */
import type { Config } from "../config/index.ts";
import { SECRET_WORDS } from "../redact/index.ts";
import type { AgentAdapter } from "./types.ts";

export type SourceEnv = Record<string, string | undefined>;

/** What any program needs to run as the user: identity, locale, terminal, proxies, TLS bundles. */
export const BASE_ENV: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LC_*",
  "TZ",
  "TERM",
  "TMPDIR",
  "XDG_*",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
  "REQUESTS_CA_BUNDLE",
];

/** Variables patchbay itself reads its secrets from: never passed, even with an empty denied list. */
const SECRET_NAMES = ["PATCHBAY_HTTP_TOKEN", "PATCHBAY_AGENT_TOKEN", "PATCHBAY_ACTIVE_HTTP_TOKEN"];
const SECRET_NAME = new RegExp(`^PATCHBAY_.*(${SECRET_WORDS.join("|").toUpperCase()})`);
/** Agent messaging tokens (`patchbay token add`) start so, whatever variable holds them. */
const AGENT_TOKEN_PREFIX = "pbt_";

/** The operator's settings the builder follows. */
export interface EnvPolicy {
  allowed: readonly string[];
  denied: readonly string[];
  /** auth.token_env: the variable holding the HTTP token. */
  tokenEnv: string;
}

/** The base list alone: for patchbay's own probes (`<agent> --version`) and, without GIT_*, its git calls. */
export const BASE_ONLY: EnvPolicy = { allowed: [], denied: ["PATCHBAY_*"], tokenEnv: "PATCHBAY_HTTP_TOKEN" };

export function envPolicy(config: Pick<Config, "security" | "auth">): EnvPolicy {
  return { allowed: config.security.allowed_env_keys, denied: config.security.denied_env_keys, tokenEnv: config.auth.token_env };
}

/**
 * True when `name` is one of `patterns`: a name, a `PREFIX_*` glob, or "*" for all.
 *
 * @example
 * matchesAny("LC_ALL", ["LC_*"]); // true
 */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => pattern === "*" || pattern === name || (pattern.endsWith("*") && name.startsWith(pattern.slice(0, -1))));
}

/** True for patchbay's own secrets: the token variable, secret-named PATCHBAY_* names, pbt_ tokens, the token's value. */
function isPatchbaySecret(name: string, value: string, policy: EnvPolicy, source: SourceEnv): boolean {
  if (name === policy.tokenEnv || SECRET_NAMES.includes(name) || SECRET_NAME.test(name)) return true;
  if (value.startsWith(AGENT_TOKEN_PREFIX)) return true;
  const token = source[policy.tokenEnv];
  if (token === undefined || token === "") return false;
  // A short token would match innocent values; then only the value itself counts.
  return token.length >= 8 ? value.includes(token) : value === token;
}

export interface ChildEnvOptions {
  /** Names and `PREFIX_*` globs this child needs beyond the base list. */
  pass?: readonly string[];
  /** Values patchbay sets for this child (TMPDIR, CI=1, an adapter's own switches); secrets are still dropped. */
  set?: Record<string, string>;
  source?: SourceEnv;
}

/**
 * The environment of one child process.
 *
 * @example
 * childEnvironment(envPolicy(config), { pass: ["ANTHROPIC_*"], set: { TMPDIR: scratch } });
 */
export function childEnvironment(policy: EnvPolicy, options: ChildEnvOptions = {}): Record<string, string> {
  const source = options.source ?? process.env;
  const wanted = [...BASE_ENV, ...(options.pass ?? []), ...policy.allowed];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || !matchesAny(name, wanted) || matchesAny(name, policy.denied)) continue;
    if (!isPatchbaySecret(name, value, policy, source)) env[name] = value;
  }
  for (const [name, value] of Object.entries(options.set ?? {})) {
    if (!isPatchbaySecret(name, value, policy, source)) env[name] = value;
  }
  return env;
}

/** The names an adapter passes for this environment: its declared list and what it discovers. */
export function adapterPasses(adapter: AgentAdapter, source: SourceEnv = process.env): string[] {
  return [...adapter.env.pass, ...(adapter.env.discover?.(source) ?? [])];
}

/**
 * The environment of an agent turn: base, what the adapter declares (codex's providers, claude's
 * Bedrock/Vertex variables, a custom agent's pass_env), the operator's additions, and `set`.
 */
export function agentEnvironment(
  adapter: AgentAdapter,
  policy: EnvPolicy,
  set: Record<string, string> = {},
  source: SourceEnv = process.env,
): Record<string, string> {
  return childEnvironment(policy, { pass: adapterPasses(adapter, source), set, source });
}

/** Variables every command gets: no colours, no pagers or prompts waiting for a terminal. */
const COMMAND_ENV = { TERM: "dumb", NO_COLOR: "1", CI: "1" } as const;

/** The environment of a command a chat or a pipeline asked for (power tools, test commands): base and operator's additions only. */
export function commandEnvironment(policy: EnvPolicy, source: SourceEnv = process.env): Record<string, string> {
  return childEnvironment(policy, { set: { ...COMMAND_ENV }, source });
}

/**
 * The environment of patchbay's own git calls: the base list (HOME and XDG_* for the user's git
 * config and identity), no GIT_* (a GIT_DIR inherited from a hook would aim every call at another
 * repository), and `set`.
 */
export function gitEnvironment(set: Record<string, string>, source: SourceEnv = process.env): Record<string, string> {
  return childEnvironment({ ...BASE_ONLY, denied: [...BASE_ONLY.denied, "GIT_*"] }, { set, source });
}

/**
 * The exception: patchbay starting patchbay (the background server). It is the same program with
 * the same trust, and needs what the server reads from its environment, the HTTP token first.
 */
export function patchbayItselfEnvironment(home: string, source: SourceEnv = process.env): Record<string, string> {
  const env = Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...env, PATCHBAY_HOME: home };
}

/**
 * A tunnel the operator chose (cloudflared, ngrok, a --tunnel-command): it keeps the operator's
 * variables (TUNNEL_TOKEN, NGROK_AUTHTOKEN, its own config) but never patchbay's secrets.
 */
export function tunnelEnvironment(tokenEnv: string, source: SourceEnv = process.env): Record<string, string> {
  return childEnvironment({ allowed: ["*"], denied: [], tokenEnv }, { source });
}
