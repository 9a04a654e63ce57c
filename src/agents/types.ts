/**
 * The one small interface every agent CLI sits behind. Jobs, workers and the pipeline use
 * adapters and never know which agent they run: an adapter builds the command line for a turn,
 * parses the output stream into normalized events, and turns the end of the process into a result.
 */

/** One agent turn, as the job runtime asks for it. */
export interface AgentTurn {
  /** The whole prompt; written to stdin or a file, never stored in job records. */
  prompt: string;
  /** Where the agent works: the repository, or the job's worktree. */
  cwd: string;
  /** read_only: the agent must not change files; write: it may change files under cwd. */
  access: "read_only" | "write";
  model?: string;
  reasoningEffort?: string;
  /** Continue this agent session (codex thread id, claude/gemini session id). */
  resumeSessionId?: string;
  /** Start a new session with this id, where the agent lets the caller choose it. */
  newSessionId?: string;
  /** Extra writable directories (already checked to be inside the allowed roots). */
  addDirs?: string[];
  /** JSON Schema the final answer must follow, where the agent supports it. */
  outputSchema?: Record<string, unknown>;
  /** `key=value` config overrides, already filtered by security.allowed_config_override_prefixes. */
  configOverrides?: string[];
  /** Bypass the agent's own sandbox and approvals; only when security.allow_dangerously_bypass. */
  dangerouslyBypass?: boolean;
  /** A directory of this job's own (its TMPDIR): prompt files, schema files, last-message files. */
  scratchDir: string;
  /**
   * Load the settings the repository carries for this agent (claude's .claude/settings*.json,
   * with hooks and permission rules; gemini's .gemini/ files); agents.repository_settings, off by default.
   */
  repositorySettings?: boolean;
}

/** What to spawn: argv (never a shell), extra environment, stdin text, and files to write first. */
export interface AgentCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Written to stdin, which is then closed; absent means stdin is closed at once. */
  stdin?: string;
  /** Files the command reads (prompt file, output schema), written into scratchDir before spawning. */
  files?: Array<{ path: string; content: string }>;
}

export interface AgentUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  /** Input tokens written to the prompt cache, apart from inputTokens (Claude Code; billed above the input price). */
  cacheWriteTokens?: number;
  /** The part of cacheWriteTokens cached for an hour rather than the default 5 minutes (billed higher). */
  cacheWrite1hTokens?: number;
  reasoningTokens?: number;
  /** This turn's cost, where the agent reports one. */
  costUsd?: number;
  /** The whole session's cost so far, where the agent reports one (claude's total_cost_usd). */
  sessionCostUsd?: number;
}

/** The normalized event stream of one turn. */
export type AgentEvent =
  | { type: "session"; sessionId: string }
  | { type: "message"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "command"; command: string; status: "started" | "completed" | "failed"; exitCode?: number | null; output?: string }
  | { type: "file_change"; path: string; kind: "add" | "update" | "delete" }
  | { type: "tool_call"; name: string; status: "started" | "completed" | "failed"; error?: string }
  /** `cumulative`: the numbers cover the whole session (codex after resume), not this turn. */
  | { type: "usage"; usage: AgentUsage; cumulative: boolean }
  /** `fatal: false` is a warning (codex's item.completed of type error). */
  | { type: "error"; message: string; fatal: boolean }
  /** A line the parser did not recognise: kept, never a crash. */
  | { type: "raw"; line: string };

export interface AgentResult {
  status: "succeeded" | "failed";
  sessionId?: string;
  finalMessage?: string;
  /** The final message parsed as JSON when an output schema was used. */
  structured?: unknown;
  /** Why it failed, in the agent's (or the API's) own words. */
  error?: string;
  /** This turn's usage as the agent reported it; see `usageCumulative`. */
  usage?: AgentUsage;
  /**
   * true: `usage` covers the whole session so far (codex after resume), so the per-turn numbers
   * are `usage` minus the session's previous total. Absent or false: `usage` is this turn's.
   */
  usageCumulative?: boolean;
}

export interface AgentCapabilities {
  resume: boolean;
  /** The agent enforces read-only itself; false means the runtime must check a before/after fingerprint. */
  readOnlySandbox: boolean;
  outputSchema: boolean;
  chooseSessionId: boolean;
}

/** Parses one turn's stdout; a new parser per turn. */
export interface AgentParser {
  /** One stdout line in, zero or more events out. Never throws. */
  line(text: string): AgentEvent[];
  /** What the agent wrote elsewhere since the last call (codex's session rollout), polled while it runs. Never throws. */
  poll?(): AgentEvent[];
  /** The end of the process: exit code or signal, and the tail of stderr for error messages. */
  finish(exit: { code: number | null; signal: string | null }, stderrTail: string): AgentResult;
}

/** The environment an agent CLI reads, declared by its adapter (see environment.ts). */
export interface AgentEnvNeeds {
  /** Variable names and `PREFIX_*` globs the CLI reads, passed when set. */
  pass: readonly string[];
  /** More names found in the environment or the config the CLI will load (codex's model_providers). */
  discover?(env: Record<string, string | undefined>): string[];
  /** How it authenticates, for `patchbay doctor` and for failure messages. */
  credentials?: AgentCredentials;
}

export interface AgentCredentials {
  /** Variables that authenticate it (any one set is enough). */
  variables(env: Record<string, string | undefined>): string[];
  /** Login files under its home that a subscription login writes. */
  files(env: Record<string, string | undefined>): string[];
  /** How a person logs in, as an instruction: "run `codex login`". */
  login: string;
  /** Recognises the CLI's own missing-credential message in a failed turn's error. */
  missing: RegExp;
}

export interface AgentAdapter {
  name: string;
  /** The executable to run when the config does not name one. */
  defaultCommand: string;
  /** How a person installs it, for the missing-binary error. */
  install: string;
  /** The config key that points at the executable (`agents.commands.<name>` for a built-in), for the missing-binary error. */
  configKey: string;
  /**
   * How a person runs it on a handoff plan (`{{plan_file}}` is the plan's path), for the next step
   * `patchbay context` suggests; absent: `<name> --task-file {{plan_file}}`.
   */
  handoffTemplate?: string;
  /** The model ids worker options offer for it unless `[workers.models]` names others (codex declares none: its menu asks its CLI). */
  models?: readonly string[];
  /** Whether a stdout line is left out of the job's log (the raw log keeps it): output too chatty to keep, such as claude's per-token stream events. */
  quietLine?(line: string): boolean;
  /** Its built-in provider id in `.ai/patchbay.toml`; `<name>_cli` when left out (see `pipelineProvider`). */
  pipelineProvider?: string;
  capabilities: AgentCapabilities;
  env: AgentEnvNeeds;
  /** `env`: the environment built for the turn (environment.ts), which the command's own `env` is added to (gemini sets its telemetry only when the user's is not). */
  command(turn: AgentTurn, executable: string, env?: Record<string, string | undefined>): AgentCommand;
  /** `env`: the environment the CLI runs with (codex finds its session files under its CODEX_HOME); absent: no such files are read. */
  parser(turn: AgentTurn, env?: Record<string, string | undefined>): AgentParser;
}
