import { isAbsolute, resolve } from "node:path";
import type { AgentAdapter, AgentEvent, AgentUsage } from "./types.ts";

/** An adapter as its file declares it: a built-in leaves out `configKey`, which is then its `[agents.commands]` entry. */
export type AgentDeclaration = Omit<AgentAdapter, "configKey"> & { configKey?: string };

/**
 * Declares an agent adapter, so every adapter file reads the same way. Its executable is
 * settable as `agents.commands.<name>` unless it declares another key (a custom agent's
 * `agents.custom.<id>.command`): config names no agent, the registry is the list.
 *
 * @example
 * export const echo = defineAgent({ name: "echo", defaultCommand: "echo", ... });
 */
export function defineAgent(adapter: AgentDeclaration): AgentAdapter {
  return { ...adapter, configKey: adapter.configKey ?? `agents.commands.${adapter.name}` };
}

/** The prompt of a handoff template: the adapters' `handoffTemplate` give it to their CLI. */
export const HANDOFF_PROMPT = "Read {{plan_file}} and carry out the plan";

/** A JSON object as a plain record; anything else (arrays, scalars, bad JSON) is undefined. */
export type Json = Record<string, unknown>;

export function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

/** Drops the keys whose value is undefined, so results compare and serialize cleanly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

export function raw(line: string): AgentEvent[] {
  return [{ type: "raw", line }];
}

/** A path as an absolute one: agents report some relative to their cwd. */
export function absolutePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

export function usageEvent(usage: AgentUsage, cumulative: boolean): AgentEvent {
  return { type: "usage", usage: compact(usage), cumulative };
}

/** The last non-empty lines of stderr, for a failure message that says something. */
export function stderrSummary(stderrTail: string, lines = 3): string {
  return stderrTail.trim().split("\n").slice(-lines).join("\n").trim();
}

/** "codex exited with code 1: <stderr>", the error of a turn that ended without saying why. */
export function exitError(name: string, exit: { code: number | null; signal: string | null }, stderrTail: string, fallback: string): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : exit.code === 0 ? fallback : `exited with code ${exit.code}`;
  const detail = stderrSummary(stderrTail);
  return detail ? `${name} ${how}: ${detail}` : `${name} ${how}`;
}

/** The final message parsed as JSON for an output schema; an error text when it is not JSON. */
export function parseStructured(finalMessage: string | undefined): { structured?: unknown; error?: string } {
  if (finalMessage === undefined) return { error: "the agent gave no final message to parse against the output schema" };
  try {
    return { structured: JSON.parse(finalMessage) };
  } catch {
    return { error: `the final message is not JSON, although an output schema was given: ${finalMessage.slice(0, 200)}` };
  }
}
