import { isAbsolute } from "node:path";
import * as v from "valibot";
import { withKeyAliases } from "./key-aliases.ts";

/**
 * The one schema for `config.toml` and profiles: defaults, validation, error messages and the
 * reference in docs/configuration.md all come from here. Every field carries an `expected`
 * text (metadata) that is used both in "expected X, got Y" messages and in the docs.
 */

export const TOOL_MODES = ["minimal", "worker", "standard", "full"] as const;
export const TUNNEL_MODES = ["none", "cloudflare", "cloudflare-named", "ngrok", "custom", "stable"] as const;
export const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;
export const BASH_MODES = ["off", "safe", "full"] as const;
export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;
export const STATE_DRIVERS = ["fs", "redis"] as const;
export const PROMPT_MODES = ["stdin", "arg", "file"] as const;
export const OUTPUT_CONTRACTS = ["text", "json", "jsonl"] as const;

/** A value written the way TOML would show it, so "got ..." reads like the file. */
export function shown(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(shown).join(", ")}]`;
  // JSON would print TOML's nan and inf as null.
  if (typeof value === "number") return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** The message for every issue a field can raise, so all of them read "expected X, got Y". */
function expecting(expected: string) {
  return (issue: v.BaseIssue<unknown>) => `expected ${expected}, got ${shown(issue.input)}`;
}

// Each builder attaches its `expected` text as metadata too, so messages and docs cannot disagree.

export function integerIn(min: number, max: number) {
  const expected = `${min}-${max}`;
  const message = expecting(expected);
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message), v.metadata({ expected }));
}

function integerFrom(min: number) {
  const expected = `an integer >= ${min}`;
  const message = expecting(expected);
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.metadata({ expected }));
}

export function oneOf<const T extends readonly string[]>(options: T) {
  const expected = `one of ${options.join(", ")}`;
  return v.pipe(v.picklist(options, expecting(expected)), v.metadata({ expected }));
}

export function trueOrFalse() {
  const expected = "true or false";
  return v.pipe(v.boolean(expecting(expected)), v.metadata({ expected }));
}

/** A string that passes `test`; `expected` says in words what that test wants. */
export function stringWhere(expected: string, test: (value: string) => boolean) {
  const message = expecting(expected);
  return v.pipe(v.string(message), v.check(test, message), v.metadata({ expected }));
}

export function listOf(item: ReturnType<typeof stringWhere>, expected: string) {
  return v.pipe(v.array(item, expecting(expected)), v.metadata({ expected }));
}

const anyText = () => stringWhere("a string", () => true);
export const nonEmpty = (expected: string) => stringWhere(expected, (value) => value.trim() !== "");
const blankOrAbsolute = () => stringWhere(`an absolute path or ""`, (value) => value === "" || isAbsolute(value));
const isOrigin = (value: string) => URL.canParse(value) && new URL(value).origin === value;
/** A base URL others can reach: http(s), no query, fragment or user info, not 0.0.0.0 or ::. */
function isPublicUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return /^https?:$/.test(url.protocol) && !url.search && !url.hash && !url.username && !url.password && !["0.0.0.0", "[::]"].includes(url.hostname);
}
const isRedisUrl = (value: string) => /^rediss?:\/\//.test(value) && URL.canParse(value);

/** A key with its default and the sentence that documents it. */
function setting<const S extends v.GenericSchema, const D extends v.InferInput<S>>(schema: S, fallback: D, about: string) {
  return v.optional(v.pipe(schema, v.description(about)), fallback);
}

/**
 * A TOML table whose unknown keys are errors. `objectWithRest` + `never` reports every unknown key
 * (strictObject stops at the first); the transform drops the rest signature from the output type.
 */
function table<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(
    v.objectWithRest(
      entries,
      v.never(() => "unknown key"),
      expecting("a table"),
    ),
    v.transform((value): v.InferOutput<v.ObjectSchema<E, undefined>> => value),
  );
}

const server = table({
  host: setting(nonEmpty("a host name or IP address"), "127.0.0.1", "Address the HTTP server listens on."),
  port: setting(integerIn(1, 65535), 8000, "TCP port the HTTP server listens on (the --port flag also takes 0: any free port)."),
  max_concurrent_jobs: setting(integerFrom(1), 1, "Agent jobs that may run at once; further jobs wait, pending, in the order they came."),
  job_timeout_seconds: setting(integerFrom(1), 1800, "Seconds before a running job is stopped."),
  stale_running_job_grace_seconds: setting(integerFrom(0), 5, "Seconds before a job left running by a stopped server is treated as stale."),
  job_worktree_retention_days: setting(
    integerFrom(0),
    7,
    "Days an isolated job's worktree and patchbay/job-ID branch, " +
      "and the session handles (ses_…) HTTP callers got for the job's session, are kept after the job ends; " +
      "the server removes older ones at start-up and when a job ends, at most hourly (0: as soon as it ends; " +
      "a handle stays at least an hour after it was handed out).",
  ),
  max_request_bytes: setting(integerFrom(1), 1048576, "Largest request body accepted, in bytes."),
  enable_cors: setting(trueOrFalse(), false, "Send CORS headers to allowed origins."),
  allowed_origins: setting(
    listOf(stringWhere("an origin like https://example.com", isOrigin), "a list of origins like https://example.com"),
    [],
    "Origins allowed besides loopback ones.",
  ),
  public_hosts: setting(
    listOf(nonEmpty("a host name"), "a list of host names"),
    [],
    "Host header values allowed besides loopback ones, such as a tunnel host.",
  ),
  session_idle_seconds: setting(integerFrom(1), 1800, "Seconds an idle MCP session is kept."),
  sse_poll_seconds: setting(
    integerFrom(0),
    30,
    "Seconds a tool call's SSE stream stays open before the server closes it and the client resumes it with Last-Event-ID " +
      "(2025-11-25 HTTP clients), so a proxy that cuts long requests cannot lose the result; 0 keeps it open.",
  ),
  resume_events: setting(integerFrom(1), 1000, "SSE events kept per HTTP session for a client that resumes a dropped stream; the oldest go first."),
  resume_seconds: setting(
    integerFrom(1),
    600,
    "Seconds an SSE event is kept for a client that resumes a dropped stream; resuming from an older one is refused.",
  ),
  public_url: setting(
    stringWhere(`an http(s) URL without query, fragment or credentials, not a wildcard address, or ""`, (value) => value === "" || isPublicUrl(value)),
    "",
    "The URL remote callers reach this server at (a reverse proxy, a LAN name); " +
      "every URL patchbay hands out (attachments, the start guide) starts with it. A running tunnel's URL takes its place. " +
      '"" means none.',
  ),
});

const app = table({
  tool_mode: setting(oneOf(TOOL_MODES), "worker", "Which set of MCP tools is offered."),
  widget_domain: setting(
    stringWhere("a URL", (value) => URL.canParse(value)),
    "https://web-sandbox.oaiusercontent.com",
    "Domain that serves the tool-card widget.",
  ),
});

const auth = table({
  enabled: setting(trueOrFalse(), false, "Require a bearer token on every MCP request."),
  token_env: setting(
    stringWhere("an environment variable name", (value) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)),
    "PATCHBAY_HTTP_TOKEN",
    "Environment variable that holds the token; the token itself never goes in a file.",
  ),
  allow_query_token: setting(trueOrFalse(), true, "Also accept the token as a query parameter."),
  require_for_non_loopback: setting(trueOrFalse(), true, "Require the token when listening on a non-loopback address."),
  require_for_tunnel: setting(trueOrFalse(), true, "Require the token when a tunnel is running."),
});

const repositories = table({
  default: setting(blankOrAbsolute(), "", 'Repository used when a tool names none; "" means none.'),
  allowed: setting(listOf(stringWhere("an absolute path", isAbsolute), "a list of absolute paths"), [], "Directories tools may work in."),
  blocked_globs: setting(
    listOf(anyText(), "a list of globs"),
    [".env*", "**/*.pem", "**/*.key", ".git/**", "**/id_rsa*"],
    "Paths tools may never read or write.",
  ),
});

const security = table({
  require_git_repo: setting(trueOrFalse(), false, "Refuse repositories that are not git work trees."),
  default_sandbox: setting(oneOf(SANDBOX_MODES), "workspace-write", "Sandbox for agent jobs that do not ask for one."),
  allow_dangerously_bypass: setting(trueOrFalse(), false, "Let a job bypass the agent's sandbox and approvals."),
  allowed_env_keys: setting(
    listOf(nonEmpty("a variable name or PREFIX_* glob"), "a list of variable names or PREFIX_* globs"),
    [],
    "Environment variables passed to every process patchbay starts (agents, pipeline providers and test commands, power-tool commands, " +
      "handoff runs), on top of the base list (locale, terminal, proxies, TLS bundles) and what each agent declares it needs; " +
      '"*" passes them all. See docs/hosts.md, "What each agent receives".',
  ),
  denied_env_keys: setting(
    listOf(nonEmpty("a variable name or PREFIX_* glob"), "a list of variable names or PREFIX_* globs"),
    ["PATCHBAY_*"],
    "Environment variables no child process ever gets, whatever the other lists say. " +
      "patchbay's own secrets (the auth.token_env variable, agent tokens pbt_…) are withheld even when this list is emptied.",
  ),
  allowed_config_override_prefixes: setting(listOf(anyText(), "a list of strings"), [], "Agent config keys a job may override, by prefix."),
});

const powerTools = table({
  direct_write: setting(trueOrFalse(), false, "Let tools write files directly, not only through agents."),
  bash_mode: setting(oneOf(BASH_MODES), "off", "Shell access: none, safe commands only, or full."),
  codex_session_read: setting(trueOrFalse(), false, "Let tools read Codex session transcripts."),
});

const logging = table({
  level: setting(oneOf(LOG_LEVELS), "info", "Lowest level that is logged."),
  audit_file: setting(blankOrAbsolute(), "", 'Audit log file; "" means under $PATCHBAY_HOME.'),
  job_logs_dir: setting(blankOrAbsolute(), "", 'Directory for job logs; "" means under $PATCHBAY_HOME.'),
  job_state_dir: setting(blankOrAbsolute(), "", 'Directory for job records; "" means under $PATCHBAY_HOME.'),
  write_raw_job_logs: setting(trueOrFalse(), false, "Keep each agent's raw output next to the parsed job log."),
  access_log: setting(trueOrFalse(), false, "Log every HTTP request."),
});

const isModelId = (value: string) => /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,159}$/.test(value);
const modelList = () => listOf(stringWhere("a model id ([A-Za-z0-9._:/+-], at most 160 characters)", isModelId), "a list of model ids");

// Config names no agent: which names are built-in is checked above it, against the agent registry
// (src/agents/config-names.ts), so an id here only has to be well formed.
const AGENT_ID = /^[a-z][a-z0-9_-]{0,31}$/;
const agentIdExpected = "an agent name matching ^[a-z][a-z0-9_-]{0,31}$";
const customAgentIdExpected = "an id matching ^[a-z][a-z0-9_-]{0,31}$";
const isAgentId = (value: string) => AGENT_ID.test(value);

/** A table of agent name to one value each (`[agents.commands]`, `[workers.models]`). */
function perAgent<const S extends v.GenericSchema>(value: S, valueExpected: string) {
  const expected = `a table: agent name = ${valueExpected}`;
  return v.pipe(v.record(stringWhere(agentIdExpected, isAgentId), value, expecting(expected)), v.metadata({ expected }));
}

const workers = withKeyAliases(
  table({
    worktree_root: setting(blankOrAbsolute(), "", 'Where worker worktrees go; "" means $PATCHBAY_HOME/worktrees.'),
    allow_private_downloads: setting(
      trueOrFalse(),
      false,
      "Let codex_worker_inbox download from loopback, private, link-local and metadata addresses (for a closed LAN only).",
    ),
    max_download_bytes: setting(
      integerFrom(1),
      52428800,
      "Largest file codex_worker_inbox imports, in bytes; also the largest single file a zip may unpack to.",
    ),
    max_unpacked_bytes: setting(
      integerFrom(1),
      209715200,
      "Largest total size an imported zip may unpack to, in bytes; checked against the sizes the zip declares, then again while inflating.",
    ),
    max_unpacked_files: setting(integerFrom(1), 1000, "Most entries (files and folders) an imported zip may have."),
    max_inbox_bytes: setting(
      integerFrom(1),
      1073741824,
      "Most bytes the whole artifact inbox may hold (imported files plus unpacked zips); an import past it is refused until `codex_worker_inbox action=cleanup` frees room.",
    ),
    models: setting(
      perAgent(modelList(), "a list of model ids"),
      {},
      'The models codex_worker_options offers for a built-in agent\'s workers (`claude = ["sonnet", "opus"]`), ' +
        "instead of its own list (codex asks its CLI; claude, gemini and mock have short built-in lists). " +
        "A name that is not a built-in agent is refused. " +
        "The older spelling `[workers] <name>_models = [...]` is still read as `models.<name>` (deprecated; " +
        "`models` wins where both name the same agent).",
    ),
    integrate_requires_tests: setting(
      trueOrFalse(),
      false,
      "Integration (codex_worker_integrate, codex_job_integrate) runs the repository's test commands in a scratch worktree first " +
        "unless the call passes run_tests=false; " +
        'needs power_tools.bash_mode = "full" and a trusted .ai/patchbay.toml listing [phases.test] commands.',
    ),
  }),
  { suffix: "_models", into: "models", value: modelList() },
);

const executable = () => stringWhere("an executable name or absolute path", (value) => value.trim() !== "" && (!value.includes("/") || isAbsolute(value)));

/**
 * One user-defined agent: `[agents.custom.<id>]`. Built like `table`, but a missing `command`
 * (the one required key in the file) says what it expects instead of "expected a table".
 */
const customAgentEntries = {
  command: v.pipe(executable(), v.description("Executable to run (required).")),
  args: setting(listOf(anyText(), "a list of strings"), [], "Arguments; {{prompt}}, {{prompt_file}}, {{cwd}} and {{model}} are replaced."),
  prompt_mode: setting(oneOf(PROMPT_MODES), "stdin", "How the prompt reaches the agent."),
  output_contract: setting(oneOf(OUTPUT_CONTRACTS), "text", "How its stdout is read."),
  env: setting(
    v.pipe(v.record(anyText(), anyText(), expecting("a table of strings")), v.metadata({ expected: "a table of strings" })),
    {},
    "Extra environment variables.",
  ),
  pass_env: setting(
    listOf(nonEmpty("a variable name or PREFIX_* glob"), "a list of variable names or PREFIX_* globs"),
    [],
    "Variables of patchbay's environment this agent needs (names and PREFIX_* globs), passed on top of the base list; security.denied_env_keys still wins.",
  ),
};
const customAgent = v.pipe(
  v.objectWithRest(
    customAgentEntries,
    v.never(() => "unknown key"),
    (issue) =>
      issue.input === undefined ? "expected an executable name or absolute path (required), got nothing" : `expected a table, got ${shown(issue.input)}`,
  ),
  v.transform((value): v.InferOutput<v.ObjectSchema<typeof customAgentEntries, undefined>> => value),
);

const customAgentsExpected = `tables [agents.custom.<id>], <id> being ${customAgentIdExpected}`;
const customAgents = v.pipe(
  v.record(stringWhere(customAgentIdExpected, isAgentId), customAgent, expecting(customAgentsExpected)),
  v.metadata({ expected: customAgentsExpected }),
);

const agents = withKeyAliases(
  table({
    idle_timeout_seconds: setting(
      integerFrom(1),
      300,
      "Seconds an agent turn may print nothing on stdout or stderr before it is stopped (codex and gemini retry forever when the model API is unreachable).",
    ),
    kill_grace_seconds: setting(integerFrom(0), 5, "Seconds between SIGTERM and SIGKILL when a turn is stopped; both go to its whole process group."),
    commands: setting(
      perAgent(executable(), "an executable name or absolute path"),
      {},
      'The executable of each built-in agent that should not run its default (`codex = "/opt/bin/codex"`): ' +
        "a name looked up on PATH, or an absolute path. " +
        "An agent left out runs its own default (codex, claude, gemini on PATH; mock on the runtime patchbay runs on). " +
        "A name that is not a built-in agent is refused, listing them. " +
        'The older spelling `[agents] <name>_command = "…"` is still read as `commands.<name>` (deprecated; ' +
        "`commands` wins where both name the same agent).",
    ),
    repository_settings: setting(
      trueOrFalse(),
      false,
      "Let agents load the settings a repository carries for them (claude: .claude/settings.json and settings.local.json, " +
        "with their hooks and permission rules; gemini: .gemini/settings.json with its hooks and MCP servers, the variables of " +
        "the repository's .gemini/.env or .env, and .gemini/commands). " +
        "Off, claude runs with --setting-sources user, and gemini loads only the user's and system settings and takes from the " +
        "repository's env file only the API key and project variables (as for a folder it does not trust) while still trusting " +
        "the folder for the turn; a gemini prompt starting with / is refused when the repository has .gemini/commands. " +
        "So a settings file an agent committed cannot widen what a later job may run.",
    ),
    custom: setting(
      customAgents,
      {},
      "User-defined agents, one table each, under an id that is not a built-in agent's name: " +
        "`command` (required, executable name or absolute path), " +
        "`args` (list of strings; `{{prompt}}`, `{{prompt_file}}`, `{{cwd}}` and `{{model}}` are replaced, and no shell is used), " +
        "`prompt_mode` (stdin, arg or file; default stdin: arg passes the prompt where `{{prompt}}` is or else last, " +
        "file writes it to a prompt.md passed where `{{prompt_file}}` is or else last), " +
        "`output_contract` (text, json or jsonl; default text: the final message is all of stdout, the parsed JSON, " +
        "or the `message`/`text` field of the last JSON line), " +
        "`env` (table of strings), `pass_env` (variable names and `PREFIX_*` globs of patchbay's environment the agent needs). " +
        "With prompt_mode arg, a prompt that starts with `-` is refused unless `args` has a `--` before where the prompt goes, " +
        "so a prompt is never read as an option.",
    ),
  }),
  { suffix: "_command", into: "commands", value: executable() },
);

const redisUrlExpected = `a redis:// or rediss:// URL when state.driver is "redis"`;
const state = v.pipe(
  table({
    driver: setting(oneOf(STATE_DRIVERS), "fs", "Where state is kept: files under $PATCHBAY_HOME, or Redis."),
    redis_url: setting(
      stringWhere(`${redisUrlExpected}, or ""`, (value) => value === "" || isRedisUrl(value)),
      "",
      'Redis URL; required when driver is "redis".',
    ),
  }),
  // A cross-field rule: the URL only matters, and is only required, for the redis driver.
  v.forward(
    v.check((input) => input.driver !== "redis" || input.redis_url !== "", `expected ${redisUrlExpected}, got ""`),
    ["redis_url"],
  ),
);

const messaging = table({
  rate_limit_per_minute: setting(integerFrom(1), 100, "MCP requests one agent token may make per minute; going over bans the token."),
  rate_ban_seconds: setting(integerFrom(1), 60, "Seconds a token that went over its rate limit is refused; bans survive restarts."),
  cleanup_max_age_days: setting(integerFrom(1), 7, "Days messages and attachments are kept before the periodic sweep removes them."),
  presence_window_seconds: setting(integerFrom(1), 3600, "Seconds since an agent's last call during which it counts as active."),
  max_attachment_bytes: setting(integerFrom(1), 10485760, "Largest attachment accepted by an upload URL or relay_url, in bytes."),
  attachment_url_ttl_seconds: setting(integerFrom(1), 600, "Seconds a signed attachment upload or download URL stays valid."),
  relay_allow_private: setting(
    trueOrFalse(),
    false,
    "Let relay_url fetch private, loopback and link-local addresses and plain http:// (for a closed LAN only).",
  ),
});

const oauth = table({
  enabled: setting(
    trueOrFalse(),
    true,
    "Serve the OAuth 2.1 authorization server web hosts (claude.ai, ChatGPT) sign in with; it needs the HTTP token, which the operator logs in with on the consent page.",
  ),
  access_token_seconds: setting(integerIn(1, 86400), 3600, "Seconds an OAuth access token is valid; the client refreshes it with its refresh token."),
  allow_private_client_documents: setting(
    trueOrFalse(),
    false,
    "Fetch OAuth client ID metadata documents from private, loopback and link-local addresses (tests and closed LANs only).",
  ),
  max_clients: setting(
    integerIn(1, 100000),
    1000,
    "OAuth clients kept at once (registered, or known by a client ID metadata document); past it registration is refused until unused ones expire.",
  ),
  unused_client_seconds: setting(
    integerIn(1, 2592000),
    86400,
    "Seconds an OAuth client is kept without a live grant, counted from its registration or its last consent; then it is removed.",
  ),
  registrations_per_minute: setting(
    integerIn(1, 10000),
    10,
    "OAuth client registrations one remote address may make per minute; over it, 429 with Retry-After.",
  ),
});

function numberFrom0() {
  const expected = "a number >= 0";
  const message = expecting(expected);
  return v.pipe(v.number(message), v.minValue(0, message), v.metadata({ expected }));
}

/** `[pricing."model-id"]`: USD per million tokens, over the shipped table (src/usage/prices.ts). */
const modelPriceEntries = {
  input: v.pipe(numberFrom0(), v.description("USD per million input tokens not read from the cache (required).")),
  output: v.pipe(numberFrom0(), v.description("USD per million output tokens, reasoning included (required).")),
  cached_input: v.optional(v.pipe(numberFrom0(), v.description("USD per million input tokens read from the cache; the input price when absent."))),
};
const modelPrice = v.pipe(
  v.objectWithRest(
    modelPriceEntries,
    v.never(() => "unknown key"),
    expecting("a table with input and output prices"),
  ),
  v.transform((value): v.InferOutput<v.ObjectSchema<typeof modelPriceEntries, undefined>> => value),
);
const pricingExpected = 'tables [pricing."<model id>"] with input, output and optionally cached_input (USD per million tokens)';
const pricing = v.pipe(
  v.record(stringWhere("a model id ([A-Za-z0-9._:/+-], at most 160 characters)", isModelId), modelPrice, expecting(pricingExpected)),
  v.metadata({ expected: pricingExpected }),
);

/** One level of budgets (hard or soft); 0 is no budget. Tokens are input (cached included) plus output. */
function budgetLevel(level: "hard" | "soft") {
  const effect =
    level === "hard"
      ? "a turn that would start past it is refused (budget_exceeded), a running turn that crosses it is stopped"
      : "crossing it warns in the turn's events";
  const usd = (scope: string) => setting(numberFrom0(), 0, `USD ${scope}; ${effect}. 0: none.`);
  const tokens = (scope: string) => setting(integerFrom(0), 0, `Tokens (input plus output) ${scope}; ${effect}. 0: none.`);
  return table({
    run_usd: usd("one pipeline run may spend"),
    run_tokens: tokens("one pipeline run may use"),
    worker_usd: usd("one worker may spend over all its turns"),
    worker_tokens: tokens("one worker may use over all its turns"),
    repo_daily_usd: usd("the turns in one repository may spend per UTC day"),
    repo_daily_tokens: tokens("the turns in one repository may use per UTC day"),
    daily_usd: usd("all turns may spend per UTC day"),
    daily_tokens: tokens("all turns may use per UTC day"),
  });
}

const budgets = table({
  hard: v.optional(budgetLevel("hard"), {}),
  soft: v.optional(budgetLevel("soft"), {}),
});

export const configSchema = table({
  server: v.optional(server, {}),
  app: v.optional(app, {}),
  auth: v.optional(auth, {}),
  tunnel_mode: setting(oneOf(TUNNEL_MODES), "none", "Tunnel started with `patchbay start` (stable is cloudflare-named); needs the HTTP token."),
  repositories: v.optional(repositories, {}),
  security: v.optional(security, {}),
  power_tools: v.optional(powerTools, {}),
  logging: v.optional(logging, {}),
  workers: v.optional(workers, {}),
  state: v.optional(state, {}),
  agents: v.optional(agents, {}),
  messaging: v.optional(messaging, {}),
  oauth: v.optional(oauth, {}),
  pricing: setting(
    pricing,
    {},
    'Prices per model that override or add to the shipped price table (docs/usage.md); a model in neither is shown with "no price".',
  ),
  budgets: v.optional(budgets, {}),
});

export type Config = v.InferOutput<typeof configSchema>;

/** One line per issue: `server.port: expected 1-65535, got "abc"` or `unknown key "server.prot"`. */
export function issueLine(issue: v.BaseIssue<unknown>): string {
  const key = v.getDotPath(issue) ?? "(top level)";
  return issue.type === "never" ? `unknown key "${key}"` : `${key}: ${issue.message}`;
}
