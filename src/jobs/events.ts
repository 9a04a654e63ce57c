/**
 * What a turn's events mean to a person watching ("ran `npm test`", "edited src/a.ts") and what
 * they add up to in the job's result (commands, changed files, usage).
 */
import { isAbsolute, relative, sep } from "node:path";
import type { AgentEvent, AgentUsage } from "../agents/types.ts";
import { isInside } from "../workspace/index.ts";

/** The path as the caller knows it: relative to the job's working directory when inside it. */
export function displayPath(cwd: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && isInside(cwd, path) ? rel.split(sep).join("/") : path;
}

function clip(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** One progress line for an event, or undefined for events nobody watches (reasoning, usage, raw lines). */
export function describeEvent(event: AgentEvent, cwd: string): string | undefined {
  switch (event.type) {
    case "session":
      return `session ${event.sessionId}`;
    case "message":
      return event.text.trim() ? `said: ${clip(event.text)}` : undefined;
    case "command":
      if (event.status === "started") return undefined;
      return event.status === "failed" || (event.exitCode ?? 0) !== 0
        ? `ran \`${clip(event.command, 120)}\` (exit ${event.exitCode ?? "?"})`
        : `ran \`${clip(event.command, 120)}\``;
    case "file_change":
      return `${event.kind === "add" ? "added" : event.kind === "delete" ? "deleted" : "edited"} ${displayPath(cwd, event.path)}`;
    case "tool_call":
      return event.status === "started"
        ? undefined
        : `called ${event.name}${event.status === "failed" ? ` (failed${event.error ? `: ${clip(event.error, 80)}` : ""})` : ""}`;
    case "error":
      return `${event.fatal ? "error" : "warning"}: ${clip(event.message)}`;
    default:
      return undefined;
  }
}

/** Collects the parts of a result that come from events. */
export interface EventTally {
  add(event: AgentEvent): void;
  files(): string[];
  commands(): Array<{ command: string; exit_code?: number | null; status: string }>;
  /** The last usage reported, and whether it was a session total. */
  usage(): { usage: AgentUsage; cumulative: boolean } | undefined;
}

const MAX_COMMANDS = 200;

export function createEventTally(cwd: string): EventTally {
  const files = new Set<string>();
  const commands: Array<{ command: string; exit_code?: number | null; status: string }> = [];
  let usage: { usage: AgentUsage; cumulative: boolean } | undefined;
  return {
    add(event) {
      if (event.type === "file_change") files.add(displayPath(cwd, event.path));
      if (event.type === "command" && event.status !== "started" && commands.length < MAX_COMMANDS) {
        commands.push({ command: clip(event.command, 500), exit_code: event.exitCode, status: event.status });
      }
      if (event.type === "usage") usage = { usage: event.usage, cumulative: event.cumulative };
    },
    files: () => [...files].sort(),
    commands: () => commands,
    usage: () => usage,
  };
}

/** The usage counts an agent may leave out; every one of them is carried through deltas and sums. */
const OPTIONAL_USAGE_FIELDS = ["cachedInputTokens", "cacheWriteTokens", "cacheWrite1hTokens", "reasoningTokens", "costUsd"] as const satisfies ReadonlyArray<
  keyof AgentUsage
>;

/** This turn's share of a session total: the total minus what earlier turns already reported. */
export function usageDelta(total: AgentUsage, previous: AgentUsage | undefined): AgentUsage {
  if (!previous) return total;
  const delta: AgentUsage = {
    inputTokens: Math.max(0, total.inputTokens - previous.inputTokens),
    outputTokens: Math.max(0, total.outputTokens - previous.outputTokens),
  };
  for (const field of OPTIONAL_USAGE_FIELDS) {
    if (total[field] !== undefined) delta[field] = Math.max(0, total[field] - (previous[field] ?? 0));
  }
  return delta;
}

/** Two turns' usage added up; a field neither reported stays absent (unknown, not zero). */
export function usageSum(a: AgentUsage | undefined, b: AgentUsage): AgentUsage {
  if (!a) return b;
  const sum: AgentUsage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  for (const field of OPTIONAL_USAGE_FIELDS) {
    if (a[field] !== undefined || b[field] !== undefined) sum[field] = (a[field] ?? 0) + (b[field] ?? 0);
  }
  return sum;
}
