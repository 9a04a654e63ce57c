import { homedir } from "node:os";
import { join } from "node:path";
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
import { repositoryTrust } from "./gemini-repository.ts";
import { geminiTelemetry } from "./gemini-telemetry.ts";
import { userTelemetry } from "./gemini-user-telemetry.ts";
import type { AgentEvent, AgentParser, AgentResult, AgentTurn, AgentUsage } from "./types.ts";

/**
 * Gemini CLI (`gemini --output-format stream-json`, 0.61.0).
 * - The prompt goes on stdin and no `-p` is passed: with stdin not a terminal gemini runs
 *   headless and takes stdin as the prompt (`-p TEXT` would only be appended to it), which keeps
 *   the prompt out of argv, where `ps` shows it and length limits apply.
 * - read_only is `--approval-mode plan`, which gemini's policy enforces but no sandbox does:
 *   capabilities.readOnlySandbox is false, so the runtime checks a before/after fingerprint.
 * - write is `--approval-mode yolo`: auto_edit approves edits only, and a headless turn cannot
 *   ask for the shell (tests, builds) that codex's workspace-write and claude's acceptEdits allow.
 * - `configOverrides` have no gemini equivalent and are not passed; `addDirs` become
 *   `--include-directories`.
 */
export const gemini = defineAgent({
  name: "gemini",
  defaultCommand: "gemini",
  install: "npm install -g @google/gemini-cli",
  models: ["gemini-2.5-pro", "gemini-2.5-flash"],
  handoffTemplate: `gemini -p "${HANDOFF_PROMPT}" --approval-mode auto_edit`,
  capabilities: { resume: true, readOnlySandbox: false, outputSchema: false, chooseSessionId: true },
  // Read in the 0.61.0 bundle (process.env["…"]); GEMINI_CLI_HOME moves ~/.gemini. GEMINI_TELEMETRY_* and
  // OTEL_* (its OpenTelemetry exporters) are the user's own telemetry, left as it is (userTelemetry).
  env: {
    pass: [
      "GEMINI_API_KEY",
      "GEMINI_MODEL",
      "GEMINI_CLI_*",
      "GOOGLE_API_KEY",
      "GOOGLE_GEMINI_BASE_URL",
      "GOOGLE_VERTEX_BASE_URL",
      "GOOGLE_CLOUD_*",
      "GOOGLE_APPLICATION_CREDENTIALS",
      "GOOGLE_GENAI_*",
      "CLOUD_SHELL",
      "GEMINI_TELEMETRY_*",
      "OTEL_*",
    ],
    credentials: {
      variables: () => ["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS"],
      files: (env) => [join(env.GEMINI_CLI_HOME || env.HOME || homedir(), ".gemini", "oauth_creds.json")],
      login: "run `gemini` and sign in with Google",
      missing: /must specify the ([A-Z_]+) environment variable|Please set an Auth method/i,
    },
  },
  command(turn, executable, env = {}) {
    const trust = repositoryTrust(turn, env);
    const args = [
      "--output-format",
      "stream-json",
      "--approval-mode",
      turn.access === "write" || turn.dangerouslyBypass ? "yolo" : "plan",
      ...trust.args,
      ...(turn.model ? ["-m", turn.model] : []),
      ...session(turn),
      ...(turn.addDirs ?? []).flatMap((dir) => ["--include-directories", dir]),
    ];
    const telemetry = userTelemetry(env, turn.cwd, turn.repositorySettings) ? {} : localTelemetry(turn);
    return { command: executable, args, env: { ...trust.env, ...telemetry }, stdin: turn.prompt };
  },
  parser: geminiParser,
});

/**
 * Telemetry written only to a file in the turn's own scratch directory, for its usage during the
 * turn (gemini-telemetry.ts): target local with an outfile exports to that file alone, prompts
 * left out. Set only when the user configured no telemetry of their own: these variables would
 * override it (env wins over settings.json), and their collector would lose patchbay's turns.
 */
function localTelemetry(turn: AgentTurn): Record<string, string> {
  return {
    GEMINI_TELEMETRY_ENABLED: "true",
    GEMINI_TELEMETRY_TARGET: "local",
    GEMINI_TELEMETRY_OUTFILE: telemetryFile(turn),
    GEMINI_TELEMETRY_LOG_PROMPTS: "false",
    GEMINI_TELEMETRY_USE_COLLECTOR: "false",
  };
}

const telemetryFile = (turn: AgentTurn) => join(turn.scratchDir, "gemini-telemetry.json");

function session(turn: AgentTurn): string[] {
  if (turn.resumeSessionId) return ["--resume", turn.resumeSessionId];
  return turn.newSessionId ? ["--session-id", turn.newSessionId] : [];
}

/** Exit code of a turn that failed on a model API error. */
export const GEMINI_API_ERROR_EXIT = 144;

const FILE_TOOLS: Record<string, "add" | "update"> = { write_file: "add", replace: "update" };

interface PendingTool {
  name: string;
  parameters: Json;
}

/**
 * Assistant text arrives as `delta:true` fragments. They are joined into one message per run of
 * fragments, emitted as one `message` event when something else happens (a tool call, the
 * result), so message events are whole messages as with the other agents. The final message is
 * the last such message: the text after the last tool call.
 */
function geminiParser(turn: AgentTurn, env?: Record<string, string | undefined>): AgentParser {
  let sessionId: string | undefined;
  let result: Json | undefined;
  let usage: AgentUsage | undefined;
  let fragments: string[] = [];
  let lastMessage: string | undefined;
  const pending = new Map<string, PendingTool>();
  const telemetry = geminiTelemetry(telemetryFile(turn));
  // The turn's own telemetry file is set unless the user's telemetry is (command above).
  const midTurn = !env || env.GEMINI_TELEMETRY_OUTFILE === telemetryFile(turn);
  let notice = midTurn ? [] : [ownTelemetryNotice(turn, env)];

  /** The turn's calls so far from its telemetry file, until the result line's totals replace them. */
  function poll(): AgentEvent[] {
    if (result) return [];
    const running = telemetry.running();
    return running ? [usageEvent(running, false)] : [];
  }

  function flush(): AgentEvent[] {
    if (fragments.length === 0) return [];
    lastMessage = fragments.join("");
    fragments = [];
    return [{ type: "message", text: lastMessage }];
  }

  function toolUse(event: Json): AgentEvent[] {
    const tool = { name: str(event.tool_name) ?? "tool", parameters: obj(event.parameters) };
    pending.set(str(event.tool_id) ?? "", tool);
    if (tool.name === "run_shell_command") return [{ type: "command", command: str(tool.parameters.command) ?? "", status: "started" }];
    return [{ type: "tool_call", name: tool.name, status: "started" }];
  }

  function toolResult(event: Json): AgentEvent[] {
    const tool = pending.get(str(event.tool_id) ?? "");
    const failed = event.status !== "success";
    const error = failed ? (str(obj(event.error).message) ?? str(event.output) ?? "tool failed") : undefined;
    if (tool?.name === "run_shell_command") {
      return [
        compact<AgentEvent>({
          type: "command",
          command: str(tool.parameters.command) ?? "",
          status: failed ? "failed" : "completed",
          output: str(event.output),
        }),
      ];
    }
    const call = compact<AgentEvent>({ type: "tool_call", name: tool?.name ?? "tool", status: failed ? "failed" : "completed", error });
    const kind = tool ? FILE_TOOLS[tool.name] : undefined;
    const path = tool ? str(tool.parameters.file_path) : undefined;
    if (failed || !kind || !path) return [call];
    return [call, { type: "file_change", path: absolutePath(turn.cwd, path), kind }];
  }

  function resultLine(event: Json): AgentEvent[] {
    result = event;
    const stats = obj(event.stats);
    usage = compact({ inputTokens: num(stats.input_tokens) ?? 0, outputTokens: num(stats.output_tokens) ?? 0, cachedInputTokens: num(stats.cached) });
    const events = [usageEvent(usage, false)];
    if (event.status !== "success") events.push({ type: "error", message: resultError(event), fatal: true });
    return events;
  }

  function parse(text: string): AgentEvent[] {
    const event = parseObject(text);
    if (!event) return raw(text);
    switch (event.type) {
      case "init": {
        sessionId = str(event.session_id) ?? sessionId;
        return sessionId ? [{ type: "session", sessionId }] : raw(text);
      }
      case "message":
        if (event.role === "user") return [];
        if (event.role !== "assistant") return raw(text);
        if (event.delta !== true) return [...flush(), ...collect(str(event.content) ?? "")];
        fragments.push(str(event.content) ?? "");
        return [];
      case "tool_use":
        return toolUse(event);
      case "tool_result":
        return toolResult(event);
      case "error":
        return [{ type: "error", message: str(event.message) ?? text, fatal: false }];
      case "result":
        return resultLine(event);
      default:
        return raw(text);
    }
  }

  /** A whole (non-delta) assistant message. */
  function collect(text: string): AgentEvent[] {
    fragments.push(text);
    return flush();
  }

  function line(text: string): AgentEvent[] {
    const event = parseObject(text);
    // Any line other than another fragment ends the current assistant message.
    const continues = event?.type === "message" && event.role === "assistant" && event.delta === true;
    const events = continues ? parse(text) : [...flush(), ...parse(text)];
    if (notice.length === 0) return events;
    const first = notice;
    notice = [];
    return [...first, ...events];
  }

  function finish(exit: { code: number | null; signal: string | null }, stderrTail: string): AgentResult {
    flush();
    const base = compact<AgentResult>({ status: "failed", sessionId, finalMessage: lastMessage, usage });
    if (!result && exit.code === GEMINI_API_ERROR_EXIT) return { ...base, error: apiErrorFromStderr(stderrTail) };
    if (!result) return { ...base, error: exitError("gemini", exit, stderrTail, "ended without a result line") };
    if (result.status !== "success") return { ...base, error: resultError(result) };
    if (!turn.outputSchema) return { ...base, status: "succeeded" };
    const parsed = parseStructured(lastMessage);
    return parsed.error ? { ...base, error: parsed.error } : { ...base, status: "succeeded", structured: parsed.structured };
  }

  return { line, finish, ...(midTurn && { poll }) };
}

/** Said once, with the turn's first line: why a hard budget waits for this turn's end. */
function ownTelemetryNotice(turn: AgentTurn, env: Record<string, string | undefined>): AgentEvent {
  const source = userTelemetry(env, turn.cwd, turn.repositorySettings) ?? "your Gemini CLI settings";
  const message = `gemini telemetry is configured by you (${source}) and left as it is, so this turn's usage is counted when it ends: a hard budget cannot stop it mid-turn`;
  return { type: "error", message, fatal: false };
}

/** Exit 144 without a result line: the error line of stderr, not its stack trace. */
function apiErrorFromStderr(stderrTail: string): string {
  const lines = stderrTail.split("\n").filter((line) => /error/i.test(line) && !/^\s+at /.test(line));
  const detail = lines.at(-1)?.trim();
  return `gemini failed on a model API error (exit ${GEMINI_API_ERROR_EXIT})${detail ? `: ${detail}` : ""}`;
}

/** The API's own message: `[API Error: {"error":{"code":400,"message":"API key not valid…"}}]`. */
function resultError(result: Json): string {
  return str(obj(result.error).message) ?? `gemini reported status ${str(result.status) ?? "unknown"}`;
}
