/**
 * One writer turn of an ACP agent (`reasonix acp`): spawn it as its own process group (argv only,
 * never a shell), speak JSON-RPC over its stdin/stdout (initialize → session/new → session/prompt),
 * collect its `session/update` notifications as normalized events, answer its
 * `session/request_permission` requests with the writer policy (policy.ts), and end the whole group
 * once the turn is over, or on the wall-clock timeout, the idle timeout or the AbortSignal
 * (SIGTERM, then SIGKILL after killGraceMs) — the same rules as `runAgent`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, sep } from "node:path";
import { PatchbayError } from "../../errors/index.ts";
import { executableNotFound, findExecutable, isDirectory, outputClosed, stopText } from "../spawn.ts";
import { type StopReason, superviseGroup, type Supervisor } from "../supervise.ts";
import type { AgentEvent, AgentUsage } from "../types.ts";
import { ConnectionClosed, JsonRpcConnection, RpcFailure } from "./connection.ts";
import { decidePermission, type PathCheck, type PermissionRecord, pathsOf } from "./policy.ts";

/** The ACP protocol version patchbay speaks. */
export const ACP_PROTOCOL_VERSION = 1;

/** What patchbay needs to know about the reasonix CLI. */
export const REASONIX = {
  provider: "reasonix_cli",
  defaultCommand: "reasonix",
  install: "npm install -g reasonix",
  configKey: "[commands].reasonix in .ai/patchbay.toml",
} as const;

/**
 * argv after the executable for `reasonix acp` (1.38.x): the working directory is the process's
 * cwd and session/new's `cwd` (there is no `--dir`); `--workspace-only` confines its writes to
 * that cwd. `--model` names a reasonix provider (reasonix.toml), not a raw model id.
 */
export function reasonixAcpArgs(model?: string): string[] {
  return ["acp", "--workspace-only", ...(model ? ["--model", model] : [])];
}

export interface AcpWriterOptions {
  /** A name looked up on `env.PATH`, or a path (relative ones start at cwd). */
  executable: string;
  /** argv after the executable, e.g. `reasonixAcpArgs(model)`. */
  args: string[];
  /** The worktree: the process's cwd, session/new's cwd, and the root of the path policy. */
  cwd: string;
  prompt: string;
  /** Recorded only; put it in `args` (reasonixAcpArgs does) for the agent to use it. */
  model?: string;
  /** The environment, built by childEnvironment (environment.ts). */
  env: Record<string, string>;
  timeoutMs: number;
  /** Stop when neither stdout nor stderr printed anything for this long. */
  idleTimeoutMs: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs: number;
  signal?: AbortSignal;
  /** Every JSON-RPC message both ways, one JSON object a line: {at, dir: "in"|"out", message}. */
  transcriptPath?: string;
  /** Applied to every transcript line and to error texts (the pipeline's redaction). */
  redact?: (text: string) => string;
  /** The path guard the policy applies (with the operator's blocked globs) on top of .env* and secret-like names. */
  checkPath: PathCheck;
  /** Each normalized event, in order. A throwing callback does not stop the turn. */
  onEvent?(event: AgentEvent): void;
  /** Raw stderr chunks, for logs. */
  onStderr?(chunk: string): void;
  onSpawn?(pid: number): void;
  /** The names in the missing-executable error; default REASONIX. */
  agent?: { name: string; install: string; configKey: string };
}

export interface AcpWriterResult {
  status: "succeeded" | "failed";
  finalMessage?: string;
  error?: string;
  /** session/prompt's stopReason: end_turn, max_tokens, max_turn_requests, refusal, cancelled. */
  stopReason?: string;
  sessionId?: string;
  /** Every permission request and what patchbay answered, in order. */
  permissions: PermissionRecord[];
  usage?: AgentUsage;
  exit: { code: number | null; signal: string | null };
  endedBy: "turn_end" | "exit" | "timeout" | "idle_timeout" | "cancelled";
  pid?: number;
}

const STDERR_TAIL_CHARS = 16_384;

/**
 * Runs one ACP writer turn to its end. Throws PatchbayError `agent_not_found` when the executable
 * is missing and `agent_cwd_missing` when the worktree does not exist; every other failure is a
 * result with status "failed" and an error.
 *
 * @example
 * const result = await runAcpWriter({ executable: "reasonix", args: reasonixAcpArgs(model), cwd: worktree, prompt,
 *   env, timeoutMs: 1_800_000, idleTimeoutMs: 300_000, killGraceMs: 5_000, transcriptPath: `${log}.reasonix.jsonl` });
 */
export async function runAcpWriter(options: AcpWriterOptions): Promise<AcpWriterResult> {
  const agent = options.agent ?? { name: "reasonix", install: REASONIX.install, configKey: REASONIX.configKey };
  const path = options.env.PATH ?? "";
  if (!isDirectory(options.cwd))
    throw new PatchbayError("agent_cwd_missing", `the writer's worktree ${options.cwd} does not exist`, { next: "check the run's worktree path" });
  const cwd = realpathSync(options.cwd);
  const executable = findExecutable(options.executable, path, cwd);
  if (!executable) throw executableNotFound(agent, options.executable, path);
  if (options.signal?.aborted) {
    return { status: "failed", error: "cancelled before it started", permissions: [], exit: { code: null, signal: null }, endedBy: "cancelled" };
  }
  if (options.transcriptPath) mkdirSync(dirname(options.transcriptPath), { recursive: true });
  const child = spawn(executable, options.args, { cwd, env: { ...options.env }, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  return drive(child, options, cwd, agent);
}

async function drive(
  child: ChildProcess,
  options: AcpWriterOptions,
  cwd: string,
  agent: { name: string; install: string; configKey: string },
): Promise<AcpWriterResult> {
  const pid = child.pid;
  const redact = options.redact ?? ((text: string) => text);
  const permissions: PermissionRecord[] = [];
  let stderrTail = "";
  let stopped: StopReason | undefined;
  let sessionId: string | undefined;

  const emit = (event: AgentEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing progress callback must not end the turn.
    }
  };
  const transcript = (direction: "in" | "out" | "stderr" | "note", message: unknown) => {
    if (!options.transcriptPath) return;
    try {
      appendFileSync(options.transcriptPath, `${redact(JSON.stringify({ at: new Date().toISOString(), dir: direction, message }))}\n`);
    } catch {
      // The transcript is a log; failing to write it must not end the turn.
    }
  };

  // The agent's text arrives in chunks; consecutive chunks of one kind form one message.
  let buffer: { type: "message" | "reasoning"; text: string } | undefined;
  let lastMessage: string | undefined;
  const flush = () => {
    if (!buffer) return;
    if (buffer.text.trim() !== "") {
      emit({ type: buffer.type, text: buffer.text });
      if (buffer.type === "message") lastMessage = buffer.text;
    }
    buffer = undefined;
  };
  const append = (type: "message" | "reasoning", text: string) => {
    if (buffer && buffer.type !== type) flush();
    buffer = buffer ?? { type, text: "" };
    buffer.text += text;
  };
  const tools = new Map<string, { title: string; kind: string; paths: string[] }>();

  const onUpdate = (params: unknown) => {
    const update = (params as { update?: Record<string, unknown> } | null)?.update;
    if (!update || typeof update !== "object") return;
    const kind = update.sessionUpdate;
    if (kind === "agent_message_chunk" || kind === "agent_thought_chunk") {
      const text = textOf(update.content);
      if (text) append(kind === "agent_message_chunk" ? "message" : "reasoning", text);
      return;
    }
    if (kind === "tool_call" || kind === "tool_call_update") {
      flush();
      const id = typeof update.toolCallId === "string" ? update.toolCallId : "";
      const known = tools.get(id);
      const title = typeof update.title === "string" ? update.title : (known?.title ?? id);
      const toolKind = typeof update.kind === "string" ? update.kind : (known?.kind ?? "other");
      const paths = [...new Set([...(known?.paths ?? []), ...pathsOf(update)])];
      tools.set(id, { title, kind: toolKind, paths });
      const status = update.status;
      if (kind === "tool_call") emit({ type: "tool_call", name: title, status: "started" });
      if (status === "completed") {
        emit({ type: "tool_call", name: title, status: "completed" });
        if (toolKind === "edit" || toolKind === "delete" || toolKind === "move") {
          for (const path of paths) emit({ type: "file_change", path: relativeTo(cwd, path), kind: toolKind === "delete" ? "delete" : "update" });
        }
      } else if (status === "failed") {
        emit({ type: "tool_call", name: title, status: "failed" });
      }
      return;
    }
    // plan, available_commands_update, current_mode_update, usage_update...: kept in the transcript.
  };

  const connection = new JsonRpcConnection(child.stdout!, child.stdin!, {
    onMessage: (direction, message) => transcript(direction, message),
    onMalformed: (line, why) => {
      transcript("note", { malformed: line.slice(0, 2000), why });
      emit({ type: "raw", line });
    },
    onNotification: (method, params) => {
      if (method === "session/update") onUpdate(params);
    },
    onRequest: async (method, params) => {
      if (method === "session/request_permission") {
        flush();
        const { outcome, record } = await decidePermission(params, cwd, options.checkPath);
        permissions.push(record);
        transcript("note", { permission: record });
        if (record.decision !== "allow")
          emit({
            type: "error",
            message: `permission ${record.decision === "cancel" ? "cancelled" : "rejected"} for ${record.tool} (${record.kind}): ${record.reason}`,
            fatal: false,
          });
        return outcome;
      }
      // clientCapabilities is {}: no fs/* and no terminal/* methods.
      throw new RpcFailure(-32601, `method not found: ${method} (patchbay offers no client capabilities)`);
    },
  });

  let rejectStop: (error: Error) => void = () => {};
  const stopSignal = new Promise<never>((_, reject) => {
    rejectStop = reject;
  });
  stopSignal.catch(() => {});
  // A limit or the signal stopping the turn also ends the conversation under way.
  const onStop = (reason: StopReason) => {
    stopped = reason;
    if (reason === "cancelled" && sessionId) connection.notify("session/cancel", { sessionId });
    child.stdin?.end();
    rejectStop(new Error(reason));
  };
  let supervisor: Supervisor | undefined;

  const spawnError = new Promise<Error>((done) => child.once("error", done));
  const exited = new Promise<AcpWriterResult["exit"]>((done) => {
    child.once("exit", (code, signal) => {
      // Whatever the agent left running in its group would hold the pipes open: end it.
      supervisor?.terminate();
      done({ code, signal });
    });
  });
  const stdoutClosed = outputClosed(child.stdout);
  const stderrClosed = outputClosed(child.stderr);

  if (pid === undefined) {
    const error = await spawnError;
    throw (error as NodeJS.ErrnoException).code === "ENOENT" ? executableNotFound(agent, options.executable, options.env.PATH ?? "") : error;
  }
  supervisor = superviseGroup(pid, { ...options, onStop });
  options.onSpawn?.(pid);

  child.stdout?.on("data", () => supervisor?.touch());
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    supervisor?.touch();
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    transcript("stderr", chunk);
    options.onStderr?.(chunk);
  });

  // The exit of the agent ends the conversation: pending requests fail.
  void exited.then(() => connection.close(new ConnectionClosed("the agent exited")));

  let stopReason: string | undefined;
  let usage: AgentUsage | undefined;
  let failure: string | undefined;
  let lostAgent = false;
  try {
    const call = (method: string, params: unknown) => Promise.race([connection.request(method, params), stopSignal]);
    const init = (await call("initialize", {
      protocolVersion: ACP_PROTOCOL_VERSION,
      clientInfo: { name: "patchbay", version: "0.1.0" },
      clientCapabilities: {},
    })) as { protocolVersion?: unknown } | null;
    if (init && typeof init.protocolVersion === "number" && init.protocolVersion !== ACP_PROTOCOL_VERSION) {
      throw new Error(`the agent speaks ACP protocol version ${init.protocolVersion}; patchbay speaks ${ACP_PROTOCOL_VERSION}`);
    }
    const session = (await call("session/new", { cwd, mcpServers: [] })) as { sessionId?: unknown } | null;
    if (!session || typeof session.sessionId !== "string" || session.sessionId === "") throw new Error("session/new returned no sessionId");
    sessionId = session.sessionId;
    emit({ type: "session", sessionId });
    const answer = (await call("session/prompt", { sessionId, prompt: [{ type: "text", text: options.prompt }] })) as {
      stopReason?: unknown;
      usage?: unknown;
    } | null;
    stopReason = typeof answer?.stopReason === "string" ? answer.stopReason : undefined;
    usage = usageOf(answer?.usage);
    if (stopReason !== "end_turn") failure = stopReason ? `the turn ended with stopReason "${stopReason}"` : "session/prompt returned no stopReason";
  } catch (error) {
    lostAgent = error instanceof ConnectionClosed;
    failure = error instanceof Error ? error.message : String(error);
  }
  flush();
  if (usage) emit({ type: "usage", usage, cumulative: false });

  // The turn is over (or failed): an ACP agent does not exit on its own, so end its group.
  const endedBy: AcpWriterResult["endedBy"] = stopped ?? (stopReason !== undefined ? "turn_end" : "exit");
  supervisor.terminate();
  const exit = await exited;
  await Promise.all([stdoutClosed, stderrClosed]);
  supervisor.dispose();
  supervisor.sweep();

  if (stopped) failure = stopText(stopped, options);
  else if (lostAgent) failure = `${agent.name} exited (${describeExit(exit)}) before ending the turn`;
  if (!stopped && failure && endedBy === "exit" && stderrTail.trim() !== "") failure = `${failure}: ${lastLines(stderrTail)}`;
  transcript("note", { endedBy, stopReason, exit, ...(failure && { error: failure }) });
  const ok = !failure && stopReason === "end_turn";
  return {
    status: ok ? "succeeded" : "failed",
    ...(lastMessage !== undefined && { finalMessage: lastMessage }),
    ...(failure && { error: redact(failure) }),
    ...(stopReason && { stopReason }),
    ...(sessionId && { sessionId }),
    permissions,
    ...(usage && { usage }),
    exit,
    endedBy,
    pid,
  };
}

function textOf(content: unknown): string {
  if (!content || typeof content !== "object") return "";
  const block = content as { type?: unknown; text?: unknown };
  return block.type === "text" && typeof block.text === "string" ? block.text : "";
}

function usageOf(value: unknown): AgentUsage | undefined {
  if (!value || typeof value !== "object") return undefined;
  const raw = value as Record<string, unknown>;
  const number = (key: string) => (typeof raw[key] === "number" ? (raw[key] as number) : undefined);
  const input = number("inputTokens");
  const output = number("outputTokens");
  if (input === undefined && output === undefined) return undefined;
  const cached = number("cachedReadTokens");
  const thought = number("thoughtTokens");
  return {
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    ...(cached !== undefined && { cachedInputTokens: cached }),
    ...(thought !== undefined && { reasoningTokens: thought }),
  };
}

function relativeTo(root: string, path: string): string {
  return isAbsolute(path) ? relative(root, path).split(sep).join("/") : path;
}

function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function lastLines(text: string, count = 5): string {
  return text.trim().split("\n").slice(-count).join("\n");
}
