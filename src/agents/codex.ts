import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import {
  absolutePath,
  compact,
  defineAgent,
  exitError,
  HANDOFF_PROMPT,
  type Json,
  num,
  obj,
  parseObject,
  parseStructured,
  raw,
  str,
  usageEvent,
} from "./define.ts";
import { codexRollout } from "./codex-rollout.ts";
import type { AgentEvent, AgentParser, AgentResult, AgentTurn, AgentUsage } from "./types.ts";

/**
 * Codex CLI (`codex exec --json`, 0.171.0). Exec flags go before `resume`, and the sandbox is
 * passed on every turn because `exec resume` does not keep the thread's sandbox. The prompt
 * goes on stdin (the `-` argument), which is then closed: an open stdin makes codex wait.
 */
export const codex = defineAgent({
  name: "codex",
  defaultCommand: "codex",
  install: "npm install -g @openai/codex",
  handoffTemplate: `codex exec --sandbox workspace-write "${HANDOFF_PROMPT}"`,
  capabilities: { resume: true, readOnlySandbox: true, outputSchema: true, chooseSessionId: false },
  // Read in the 0.171.0 binary: CODEX_HOME, CODEX_API_KEY, CODEX_CA_CERTIFICATE, CODEX_SQLITE_HOME,
  // OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORGANIZATION/OPENAI_PROJECT (the openai provider's headers).
  env: {
    pass: ["CODEX_HOME", "CODEX_API_KEY", "CODEX_CA_CERTIFICATE", "CODEX_SQLITE_HOME", "OPENAI_*"],
    discover: codexProviderVariables,
    credentials: {
      variables: (env) => ["OPENAI_API_KEY", "CODEX_API_KEY", ...codexProviderVariables(env, { keysOnly: true })],
      files: (env) => [join(codexHomeOf(env), "auth.json")],
      login: "run `codex login`",
      missing: /Missing environment variable: `?([A-Za-z_][A-Za-z0-9_]*)`?|not logged in/i,
    },
  },
  command(turn, executable) {
    const files = turn.outputSchema ? [{ path: schemaFile(turn), content: JSON.stringify(turn.outputSchema) }] : [];
    const target = turn.resumeSessionId ? ["resume", turn.resumeSessionId, "-"] : ["-"];
    return { command: executable, args: ["exec", "--json", ...execFlags(turn), ...target], env: {}, stdin: turn.prompt, files };
  },
  parser: (turn, env) => codexStreamParser(turn, { name: "codex", cumulativeOnResume: true, ...(env && { codexHome: codexHomeOf(env) }) }),
});

function execFlags(turn: AgentTurn): string[] {
  const sandbox = turn.dangerouslyBypass
    ? ["--dangerously-bypass-approvals-and-sandbox"]
    : ["--sandbox", turn.access === "write" ? "workspace-write" : "read-only"];
  return [
    ...sandbox,
    "-C",
    turn.cwd,
    "--skip-git-repo-check",
    ...(turn.model ? ["-m", turn.model] : []),
    ...(turn.reasoningEffort ? ["-c", `model_reasoning_effort=${JSON.stringify(turn.reasoningEffort)}`] : []),
    ...(turn.configOverrides ?? []).flatMap((override) => ["-c", override]),
    ...(turn.addDirs ?? []).flatMap((dir) => ["--add-dir", dir]),
    "-o",
    lastMessageFile(turn),
    ...(turn.outputSchema ? ["--output-schema", schemaFile(turn)] : []),
  ];
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function codexHomeOf(env: Record<string, string | undefined>): string {
  return env.CODEX_HOME || join(env.HOME || homedir(), ".codex");
}

/**
 * The variables the `model_providers` of `$CODEX_HOME/config.toml` name: each `env_key` and each
 * `env_http_headers` value (with `keysOnly`, just the env_keys, which authenticate), and AWS_* for
 * a provider with an `aws` table. Every provider counts, not only the selected one: a profile or a
 * `-c model_provider=…` override may pick any of them. An unreadable file names nothing.
 */
export function codexProviderVariables(env: Record<string, string | undefined>, options: { keysOnly?: boolean } = {}): string[] {
  let config: Json;
  try {
    config = obj(parse(readFileSync(join(codexHomeOf(env), "config.toml"), "utf8")));
  } catch {
    return [];
  }
  return Object.values(obj(config.model_providers)).flatMap((entry) => {
    const provider = obj(entry);
    // Plain names only: a "*" or "FOO_*" in someone's config must not widen what passes.
    const named = (value: unknown) => (typeof value === "string" && VARIABLE_NAME.test(value) ? [value] : []);
    const key = named(provider.env_key);
    if (options.keysOnly) return key;
    const headers = Object.values(obj(provider.env_http_headers)).flatMap(named);
    return [...key, ...headers, ...(provider.aws !== undefined ? ["AWS_*"] : [])];
  });
}

const lastMessageFile = (turn: AgentTurn) => join(turn.scratchDir, "last-message.txt");
const schemaFile = (turn: AgentTurn) => join(turn.scratchDir, "schema.json");

/**
 * The parser for codex's JSONL, shared with the mock agent (which prints the same shape).
 * `cumulativeOnResume`: codex's turn.completed usage after `exec resume` covers the whole thread.
 * `codexHome`: where codex keeps its sessions; their rollout gives the turn's usage after each
 * model call (polled while it runs: codex writes it after the call's stdout lines), which
 * turn.completed's then replaces.
 */
export function codexStreamParser(turn: AgentTurn, options: { name: string; cumulativeOnResume: boolean; codexHome?: string }): AgentParser {
  let sessionId: string | undefined;
  let lastMessage: string | undefined;
  let usage: AgentUsage | undefined;
  let completed = false;
  let failure: string | undefined;
  let lastFatal: string | undefined;
  const cumulative = options.cumulativeOnResume && turn.resumeSessionId !== undefined;
  const rollout = options.codexHome === undefined ? undefined : codexRollout(options.codexHome);

  /** The thread's newer running total from the rollout, as a usage event (its total is the thread's, as on resume). */
  function rolloutUsage(): AgentEvent[] {
    if (!rollout || !sessionId || completed) return [];
    const total = rollout.latest(sessionId);
    // A new thread's total is this turn's; a resumed one's covers the turns before, like turn.completed's.
    return total ? [usageEvent(codexUsage(total), cumulative)] : [];
  }

  function item(phase: string, value: Json, line: string): AgentEvent[] {
    const kind = str(value.type);
    const done = phase === "item.completed";
    switch (kind) {
      case "agent_message": {
        const text = str(value.text);
        if (!done || text === undefined) return [];
        lastMessage = text;
        return [{ type: "message", text }];
      }
      case "reasoning": {
        const text = str(value.text);
        return done && text !== undefined ? [{ type: "reasoning", text }] : [];
      }
      case "command_execution":
        return commandEvent(phase, value);
      case "file_change":
        if (!done || value.status === "failed") return [];
        return (Array.isArray(value.changes) ? value.changes : []).flatMap((change) => fileChange(turn.cwd, obj(change)));
      case "mcp_tool_call":
        return toolEvent(phase, `${str(value.server) ?? "mcp"}.${str(value.tool) ?? "tool"}`, value);
      case "web_search":
        return toolEvent(phase, "web_search", value);
      case "error": {
        const message = str(value.message);
        return message === undefined ? raw(line) : [{ type: "error", message, fatal: false }];
      }
      default:
        return raw(line);
    }
  }

  function line(text: string): AgentEvent[] {
    const event = parseObject(text);
    if (!event) return raw(text);
    switch (str(event.type)) {
      case "thread.started": {
        sessionId = str(event.thread_id) ?? sessionId;
        return sessionId ? [{ type: "session", sessionId }] : raw(text);
      }
      case "turn.started":
        return [];
      case "item.started":
      case "item.updated":
      case "item.completed":
        return item(str(event.type) ?? "", obj(event.item), text);
      case "turn.completed": {
        completed = true;
        usage = codexUsage(obj(event.usage));
        return [usageEvent(usage, cumulative)];
      }
      case "turn.failed": {
        failure = str(obj(event.error).message) ?? "turn failed";
        // codex prints the same message as a top-level error line just before: say it once.
        return failure === lastFatal ? [] : [{ type: "error", message: failure, fatal: true }];
      }
      case "error": {
        const message = str(event.message) ?? text;
        // "Reconnecting... n/5" and "Reconnecting... waiting for network" are retries, not the end.
        const fatal = !message.startsWith("Reconnecting");
        if (fatal) lastFatal = message;
        return [{ type: "error", message, fatal }];
      }
      default:
        return raw(text);
    }
  }

  function finish(exit: { code: number | null; signal: string | null }, stderrTail: string): AgentResult {
    const finalMessage = lastMessage ?? readLastMessageFile(turn);
    const base = compact<AgentResult>({ status: "failed", sessionId, finalMessage, usage, usageCumulative: usage ? cumulative : undefined });
    if (!completed || failure !== undefined) {
      return { ...base, error: failure ?? lastFatal ?? exitError(options.name, exit, stderrTail, "ended without turn.completed") };
    }
    if (!turn.outputSchema) return { ...base, status: "succeeded" };
    const parsed = parseStructured(finalMessage);
    return parsed.error ? { ...base, error: parsed.error } : { ...base, status: "succeeded", structured: parsed.structured };
  }

  return { line, finish, ...(rollout && { poll: rolloutUsage }) };
}

function commandEvent(phase: string, value: Json): AgentEvent[] {
  const command = str(value.command) ?? "";
  if (phase === "item.started") return [{ type: "command", command, status: "started" }];
  if (phase !== "item.completed") return [];
  const exitCode = value.exit_code === null ? null : num(value.exit_code);
  const failed = value.status === "failed" || (exitCode !== undefined && exitCode !== null && exitCode !== 0);
  return [compact<AgentEvent>({ type: "command", command, status: failed ? "failed" : "completed", exitCode, output: str(value.aggregated_output) })];
}

function toolEvent(phase: string, name: string, value: Json): AgentEvent[] {
  if (phase === "item.started") return [{ type: "tool_call", name, status: "started" }];
  if (phase !== "item.completed") return [];
  const error = str(obj(value.error).message);
  return [compact<AgentEvent>({ type: "tool_call", name, status: error || value.status === "failed" ? "failed" : "completed", error })];
}

function fileChange(cwd: string, change: Json): AgentEvent[] {
  const path = str(change.path);
  if (!path) return [];
  const kind = change.kind === "add" || change.kind === "delete" ? change.kind : "update";
  return [{ type: "file_change", path: absolutePath(cwd, path), kind }];
}

function codexUsage(usage: Json): AgentUsage {
  return compact({
    inputTokens: num(usage.input_tokens) ?? 0,
    outputTokens: num(usage.output_tokens) ?? 0,
    cachedInputTokens: num(usage.cached_input_tokens),
    reasoningTokens: num(usage.reasoning_output_tokens),
  });
}

function readLastMessageFile(turn: AgentTurn): string | undefined {
  const file = lastMessageFile(turn);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  return text === "" ? undefined : text.replace(/\n$/, "");
}
