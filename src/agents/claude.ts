import { homedir } from "node:os";
import { join } from "node:path";
import { absolutePath, compact, defineAgent, exitError, HANDOFF_PROMPT, type Json, num, obj, parseObject, raw, str, usageEvent } from "./define.ts";
import type { AgentEvent, AgentParser, AgentResult, AgentTurn, AgentUsage } from "./types.ts";

/**
 * Claude Code (`claude -p --output-format stream-json --verbose`, 2.1.332; `--verbose` is
 * mandatory with stream-json). The prompt goes on stdin. `configOverrides` have no claude
 * equivalent and are not passed. `--include-partial-messages` adds each model call's own stream
 * events (`stream_event`): their message_start and message_delta carry the call's usage as it
 * is billed, so a hard budget can stop a turn between two calls (the `assistant` lines repeat
 * message_start's usage only, whose output_tokens is a placeholder).
 */
export const claude = defineAgent({
  name: "claude",
  defaultCommand: "claude",
  install: "npm install -g @anthropic-ai/claude-code",
  models: ["sonnet", "opus", "haiku"],
  handoffTemplate: `claude -p "${HANDOFF_PROMPT}" --permission-mode acceptEdits`,
  capabilities: { resume: true, readOnlySandbox: true, outputSchema: true, chooseSessionId: true },
  // Read in the 2.1.332 binary; the cloud providers' own variables only when claude is told to use them.
  env: {
    pass: ["ANTHROPIC_*", "CLAUDE_CONFIG_DIR", "CLAUDE_CODE_*"],
    discover: claudeCloudVariables,
    credentials: {
      variables: (env) => [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "CLAUDE_CODE_OAUTH_TOKEN",
        ...claudeCloudVariables(env).filter((name) => !name.endsWith("*")),
      ],
      files: (env) => [join(env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude"), ".credentials.json")],
      login: "run `claude` and type /login",
      missing: /Not logged in|Invalid API key/i,
    },
  },
  command(turn, executable) {
    const args = [
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--permission-mode",
      permissionMode(turn),
      ...(turn.model ? ["--model", turn.model] : []),
      ...(turn.reasoningEffort ? ["--effort", turn.reasoningEffort] : []),
      ...session(turn),
      ...(turn.addDirs ?? []).flatMap((dir) => ["--add-dir", dir]),
      ...(turn.outputSchema ? ["--json-schema", JSON.stringify(turn.outputSchema)] : []),
      // The repository's .claude/settings*.json can add hooks and allow Bash: a file an agent
      // committed would widen what claude may run, so only the user's own settings load.
      ...(turn.repositorySettings ? [] : ["--setting-sources", "user"]),
    ];
    // bypassPermissions is refused as root unless IS_SANDBOX=1.
    const env: Record<string, string> = { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", ...(turn.dangerouslyBypass && { IS_SANDBOX: "1" }) };
    return { command: executable, args, env, stdin: turn.prompt };
  },
  parser: claudeParser,
  // The stream events of --include-partial-messages (a line per few tokens) would fill the job log's cap; their usage is in the ledger.
  quietLine: (line) => line.startsWith('{"type":"stream_event"'),
});

/** Set to anything but "", "0" or "false", claude's switches are on. */
const isOn = (value: string | undefined) => value !== undefined && !["", "0", "false"].includes(value.toLowerCase());

/** Bedrock (AWS_*), Vertex (GOOGLE_*, CLOUD_ML_REGION, VERTEX_REGION_*) and Foundry (AZURE_*), when switched on. */
function claudeCloudVariables(env: Record<string, string | undefined>): string[] {
  return [
    ...(isOn(env.CLAUDE_CODE_USE_BEDROCK) ? ["AWS_*"] : []),
    ...(isOn(env.CLAUDE_CODE_USE_VERTEX) ? ["GOOGLE_*", "CLOUD_ML_REGION", "VERTEX_REGION_*"] : []),
    ...(isOn(env.CLAUDE_CODE_USE_FOUNDRY) ? ["AZURE_*"] : []),
  ];
}

function permissionMode(turn: AgentTurn): string {
  if (turn.dangerouslyBypass) return "bypassPermissions";
  return turn.access === "write" ? "acceptEdits" : "plan";
}

function session(turn: AgentTurn): string[] {
  if (turn.resumeSessionId) return ["--resume", turn.resumeSessionId];
  return turn.newSessionId ? ["--session-id", turn.newSessionId] : [];
}

const FILE_TOOLS = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit"]);

interface PendingTool {
  name: string;
  input: Json;
}

function claudeParser(turn: AgentTurn): AgentParser {
  let sessionId: string | undefined;
  let result: Json | undefined;
  let usage: AgentUsage | undefined;
  // The answer so far, kept as the final message of a turn stopped before its result line.
  let lastText: string | undefined;
  const pending = new Map<string, PendingTool>();
  const calls = modelCalls();

  function assistant(event: Json): AgentEvent[] {
    const content = obj(event.message).content;
    return (Array.isArray(content) ? content : []).flatMap((block): AgentEvent[] => {
      const part = obj(block);
      if (part.type === "text") {
        lastText = str(part.text) ?? "";
        return [{ type: "message", text: lastText }];
      }
      if (part.type === "thinking") return [{ type: "reasoning", text: str(part.thinking) ?? "" }];
      if (part.type !== "tool_use") return [{ type: "raw", line: JSON.stringify(part) }];
      const tool = { name: str(part.name) ?? "tool", input: obj(part.input) };
      pending.set(str(part.id) ?? "", tool);
      if (tool.name === "Bash") return [{ type: "command", command: str(tool.input.command) ?? "", status: "started" }];
      return [{ type: "tool_call", name: tool.name, status: "started" }];
    });
  }

  function toolResults(event: Json): AgentEvent[] {
    const content = obj(event.message).content;
    return (Array.isArray(content) ? content : []).flatMap((block): AgentEvent[] => {
      const part = obj(block);
      if (part.type !== "tool_result") return [];
      const tool = pending.get(str(part.tool_use_id) ?? "");
      const failed = part.is_error === true;
      const text = resultText(part.content);
      if (tool?.name === "Bash") {
        return [compact<AgentEvent>({ type: "command", command: str(tool.input.command) ?? "", status: failed ? "failed" : "completed", output: text })];
      }
      const call = compact<AgentEvent>({
        type: "tool_call",
        name: tool?.name ?? "tool",
        status: failed ? "failed" : "completed",
        error: failed ? text : undefined,
      });
      const path = tool && FILE_TOOLS.has(tool.name) ? (str(tool.input.file_path) ?? str(tool.input.notebook_path)) : undefined;
      if (failed || !path) return [call];
      // tool_use_result.type says whether Write created the file or replaced it.
      const kind = obj(event.tool_use_result).type === "create" ? "add" : "update";
      return [call, { type: "file_change", path: absolutePath(turn.cwd, path), kind }];
    });
  }

  function resultLine(event: Json): AgentEvent[] {
    result = event;
    if (typeof event.session_id === "string") sessionId = event.session_id;
    const events: AgentEvent[] = [];
    for (const denial of Array.isArray(event.permission_denials) ? event.permission_denials : []) {
      events.push({ type: "error", message: `permission denied: ${str(obj(denial).tool_name) ?? "a tool"}`, fatal: false });
    }
    usage = claudeUsage(event);
    events.push(usageEvent(usage, false));
    if (event.is_error === true) events.push({ type: "error", message: str(event.result) ?? "claude reported an error", fatal: true });
    return events;
  }

  function line(text: string): AgentEvent[] {
    const event = parseObject(text);
    if (!event) return raw(text);
    switch (event.type) {
      case "system": {
        if (event.subtype !== "init" || typeof event.session_id !== "string") return raw(text);
        sessionId = event.session_id;
        return [{ type: "session", sessionId }];
      }
      case "assistant":
        return assistant(event);
      case "user":
        return toolResults(event);
      case "result":
        return resultLine(event);
      case "stream_event": {
        const running = calls.add(event);
        return running ? [usageEvent(running, false)] : [];
      }
      default:
        return raw(text);
    }
  }

  function finish(exit: { code: number | null; signal: string | null }, stderrTail: string): AgentResult {
    const base = compact<AgentResult>({ status: "failed", sessionId, usage });
    if (!result) return compact({ ...base, finalMessage: lastText, error: exitError("claude", exit, stderrTail, "ended without a result line") });
    // Failure is is_error, even when subtype says "success" (API errors do exactly that).
    if (result.is_error === true) return { ...base, error: str(result.result) ?? str(result.subtype) ?? "claude reported an error" };
    const finalMessage = str(result.result);
    if (!turn.outputSchema) return compact({ ...base, status: "succeeded", finalMessage });
    const structured = result.structured_output ?? parseJson(finalMessage);
    if (structured === undefined) return compact({ ...base, finalMessage, error: "the final message is not JSON, although an output schema was given" });
    return compact({ ...base, status: "succeeded", finalMessage, structured });
  }

  return { line, finish };
}

/** Sums of float costs print as 0.00030000000000000003; a nano-dollar is precise enough. */
function roundUsd(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 1e9) / 1e9;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function resultText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  return content.map((part) => str(obj(part).text) ?? "").join("");
}

/**
 * The usage of this invocation's model calls so far, from their stream events: message_start
 * opens a call with its input (and a placeholder output), message_delta updates the call's
 * numbers. A subagent's calls stream beside the main ones, told apart by parent_tool_use_id.
 * `add` answers the new running total, or undefined for an event that carries no usage.
 */
function modelCalls() {
  const calls = new Map<string, Json>();
  const openCall = new Map<string, string>();
  return {
    add(line: Json): AgentUsage | undefined {
      const event = obj(line.event);
      const stream = str(line.parent_tool_use_id) ?? "";
      if (event.type === "message_start") {
        const message = obj(event.message);
        const id = str(message.id) ?? `call_${calls.size}`;
        openCall.set(stream, id);
        calls.set(id, obj(message.usage));
      } else if (event.type === "message_delta") {
        const id = openCall.get(stream);
        if (id === undefined) return undefined;
        // Only the numbers it gives: a field it leaves out or sets to null keeps message_start's.
        const given = Object.entries(obj(event.usage)).filter(([, value]) => num(value) !== undefined);
        calls.set(id, { ...calls.get(id), ...Object.fromEntries(given) });
      } else {
        return undefined;
      }
      const sum = (count: (call: Json) => number | undefined) => [...calls.values()].reduce((total, call) => total + (count(call) ?? 0), 0);
      const written = sum((call) => cacheWrites(call).cacheWriteTokens);
      const writtenForAnHour = sum((call) => cacheWrites(call).cacheWrite1hTokens);
      return {
        inputTokens: sum((call) => num(call.input_tokens)),
        outputTokens: sum((call) => num(call.output_tokens)),
        cachedInputTokens: sum((call) => num(call.cache_read_input_tokens)),
        ...(written > 0 && { cacheWriteTokens: written }),
        ...(writtenForAnHour > 0 && { cacheWrite1hTokens: writtenForAnHour }),
      };
    },
  };
}

/**
 * The prompt-cache writes of a usage object: `cache_creation_input_tokens`, and the part cached
 * for an hour from the per-TTL split (`cache_creation.ephemeral_1h_input_tokens`) when given.
 */
function cacheWrites(usage: Json): Pick<AgentUsage, "cacheWriteTokens" | "cacheWrite1hTokens"> {
  const split = obj(usage.cache_creation);
  const [short, long] = [num(split.ephemeral_5m_input_tokens), num(split.ephemeral_1h_input_tokens)];
  const total = num(usage.cache_creation_input_tokens) ?? (short ?? 0) + (long ?? 0);
  if (total <= 0) return {};
  return compact({ cacheWriteTokens: total, cacheWrite1hTokens: long ? Math.min(long, total) : undefined });
}

/**
 * `usage` covers this invocation only; `total_cost_usd` covers the whole session, and
 * `model_usage_since_last_result` gives this invocation's cost.
 */
function claudeUsage(result: Json): AgentUsage {
  const usage = obj(result.usage);
  const sinceLast = Object.values(obj(result.model_usage_since_last_result)).map((model) => num(obj(model).costUSD));
  const turnCost =
    sinceLast.length > 0 && sinceLast.every((cost) => cost !== undefined) ? roundUsd(sinceLast.reduce((sum = 0, cost = 0) => sum + cost, 0)) : undefined;
  return compact({
    inputTokens: num(usage.input_tokens) ?? 0,
    outputTokens: num(usage.output_tokens) ?? 0,
    cachedInputTokens: num(usage.cache_read_input_tokens),
    ...cacheWrites(usage),
    costUsd: turnCost,
    sessionCostUsd: num(result.total_cost_usd),
  });
}
