/**
 * The model and reasoning-effort menu for workers, per built-in agent: the list `[workers.models]`
 * names for it, else codex's own list (`codex debug models`, else its model cache), else the short
 * list its adapter declares (claude, gemini, mock). Only model ids, names and efforts leave here:
 * never config paths, accounts or credentials.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { type AgentAdapter, AGENTS, agentEnvironment, agentExecutable, type BuiltinAgentName, codex, envPolicy } from "../agents/index.ts";
import type { Config } from "../config/index.ts";

export const REASONING_EFFORTS = ["minimal", "low", "medium", "high", "xhigh"] as const;

export interface ModelOption {
  id: string;
  name?: string;
  description?: string;
  efforts?: string[];
}

export interface AgentMenu {
  agent: string;
  source: "codex debug models" | "codex model cache" | "configured list" | "built-in list" | "no model list";
  models: ModelOption[];
  truncated: boolean;
}

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,159}$/;

/** Model entries from codex's JSON (a list, or `{models: [...]}`), each reduced to safe fields. */
export function parseCodexModels(text: string): ModelOption[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[0] ?? "")
      .filter((id) => MODEL_ID.test(id))
      .map((id) => ({ id }));
  }
  const list = Array.isArray(value) ? value : Array.isArray((value as { models?: unknown })?.models) ? (value as { models: unknown[] }).models : [];
  const models: ModelOption[] = [];
  for (const entry of list) {
    if (typeof entry === "string") {
      if (MODEL_ID.test(entry)) models.push({ id: entry });
      continue;
    }
    const item = entry as Record<string, unknown>;
    const id = [item.slug, item.id, item.model].find((candidate) => typeof candidate === "string" && MODEL_ID.test(candidate)) as string | undefined;
    if (!id) continue;
    const levels = (item.supported_reasoning_levels ?? item.supported_reasoning_efforts ?? item.reasoning_efforts) as unknown;
    const efforts = Array.isArray(levels)
      ? levels
          .map((level) => (typeof level === "string" ? level : (level as { effort?: unknown })?.effort))
          .filter((effort): effort is string => typeof effort === "string" && (REASONING_EFFORTS as readonly string[]).includes(effort))
      : undefined;
    const name = typeof item.display_name === "string" ? item.display_name.slice(0, 80) : undefined;
    const description = typeof item.description === "string" ? item.description.slice(0, 300) : undefined;
    models.push({ id, ...(name && { name }), ...(description && { description }), ...(efforts?.length && { efforts }) });
  }
  return models;
}

function runCodexModels(command: string, env: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, ["debug", "models"], { env, timeout: 10_000, maxBuffer: 2 * 1024 * 1024 }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

async function codexMenu(config: Config): Promise<Omit<AgentMenu, "truncated">> {
  const listed = await runCodexModels(agentExecutable(codex, config), agentEnvironment(codex, envPolicy(config)));
  const fromCli = listed ? parseCodexModels(listed) : [];
  if (fromCli.length) return { agent: "codex", source: "codex debug models", models: fromCli };
  const cache = join(process.env.CODEX_HOME || join(homedir(), ".codex"), "models_cache.json");
  const cached = await readFile(cache, "utf8").then(parseCodexModels, () => []);
  return { agent: "codex", source: "codex model cache", models: cached };
}

/** The agents whose menu asks the agent itself rather than a list: codex's CLI knows its models. */
const ASKED: Partial<Record<BuiltinAgentName, (config: Config) => Promise<Omit<AgentMenu, "truncated">>>> = { codex: codexMenu };

/** Where a built-in agent's models come from: `[workers.models]`, else asking it, else its adapter's list, else none. */
async function menuOf(adapter: AgentAdapter, config: Config): Promise<Omit<AgentMenu, "truncated">> {
  const configured = Object.hasOwn(config.workers.models, adapter.name) ? config.workers.models[adapter.name] : undefined;
  if (configured) return { agent: adapter.name, source: "configured list", models: configured.map((id) => ({ id })) };
  const ask = ASKED[adapter.name as BuiltinAgentName];
  if (ask) return ask(config);
  if (adapter.models) return { agent: adapter.name, source: "built-in list", models: adapter.models.map((id) => ({ id })) };
  return { agent: adapter.name, source: "no model list", models: [] };
}

/**
 * The menu for each built-in agent (or only those offering `model`), at most `maxModels` each.
 *
 * @example
 * const menus = await workerOptions(config, { maxModels: 10, details: false });
 */
export async function workerOptions(config: Config, options: { model?: string; maxModels: number; details: boolean }): Promise<AgentMenu[]> {
  const menus = await Promise.all(Object.values(AGENTS).map((adapter: AgentAdapter) => menuOf(adapter, config)));
  return menus.map((menu) => {
    const matching = options.model ? menu.models.filter((model) => model.id === options.model) : menu.models;
    const models = matching
      .slice(0, options.maxModels)
      .map((model) => (options.details ? model : { id: model.id, ...(model.efforts && { efforts: model.efforts }) }));
    return { ...menu, models, truncated: matching.length > models.length };
  });
}
