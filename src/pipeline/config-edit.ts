/**
 * The non-interactive `config` edits, shared by the CLI and the MCP tools. Each validates the
 * whole resulting file before writing it.
 */
import { PatchbayError } from "../errors/index.ts";
import type { AgentPhase, CustomProvider } from "./config-schema.ts";
import { editPipelineConfig, type LoadedPipelineConfig, resolvePhase, tableAt } from "./config.ts";

/** Binds a phase to a provider; the result must resolve (known provider with that role). */
export async function setPhase(repo: string, phase: AgentPhase, binding: { provider: string; model?: string; command_key?: string }): Promise<LoadedPipelineConfig> {
  const loaded = await editPipelineConfig(repo, (raw) => {
    const table = tableAt(raw, "phases", phase);
    table.provider = binding.provider;
    if (binding.model !== undefined) table.model = binding.model;
    else delete table.model;
    if (binding.command_key !== undefined) table.command_key = binding.command_key;
  }, (candidate) => void resolvePhase(candidate, phase));
  return loaded;
}

export function setCommand(repo: string, key: string, command: string): Promise<LoadedPipelineConfig> {
  return editPipelineConfig(repo, (raw) => {
    tableAt(raw, "commands")[key] = command;
  });
}

export function addTestCommand(repo: string, command: string): Promise<LoadedPipelineConfig> {
  if (command.trim() === "") throw new PatchbayError("invalid_arguments", "command: expected a test command line, got nothing");
  return editPipelineConfig(repo, (raw) => {
    const test = tableAt(raw, "phases", "test");
    const commands = Array.isArray(test.commands) ? (test.commands as string[]) : [];
    if (!commands.includes(command)) commands.push(command);
    test.commands = commands;
  });
}

export function addCliProvider(repo: string, id: string, provider: Omit<CustomProvider, "env"> & { env?: Record<string, string> }): Promise<LoadedPipelineConfig> {
  return editPipelineConfig(repo, (raw) => {
    tableAt(raw, "providers")[id] = { ...provider, env: provider.env ?? {} };
  });
}
