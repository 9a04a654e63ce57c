/**
 * The edits of `.ai/patchbay.toml`, shared by the CLI, its wizard and the MCP tools. Each edit
 * holds one lock per repository (concurrent edits each land, none is lost), validates the whole
 * resulting file, writes it atomically, and keeps the operator's trust when the editor may give it.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { stringify } from "smol-toml";
import { withLock } from "../state/index.ts";
import { type AgentPhase, type CustomProvider, outputContract } from "./config-schema.ts";
import { CONFIG_FILE, loadPipelineConfig, type LoadedPipelineConfig, resolvePhase, tableAt, validate } from "./config.ts";
import { writeAiFile } from "./ai-files.ts";
import { splitCommandLine } from "./test-runner.ts";
import { isTrusted, needsTrust, trustPipelineConfig } from "./trust.ts";

/** Who edits: the operator at a terminal, or a session that holds the `exec` capability, may keep trust. */
export interface ConfigEditor {
  home: string;
  by: string;
  /** When the file was trusted before, trust the edited file too. */
  mayTrust: boolean;
}

export interface ConfigEdit {
  loaded: LoadedPipelineConfig;
  /** Whether phases may run the edited file as it is (nothing needs trust, or the operator's trust was kept). */
  trusted: boolean;
}

function lockName(repo: string): string {
  return `pipeline-config-${createHash("sha256").update(repo).digest("hex").slice(0, 32)}`;
}

/**
 * Changes `.ai/patchbay.toml` (starting from the legacy or example file's content when only that
 * exists), validates the result, then writes it atomically. Comments in the file are not kept.
 */
export function editPipelineConfig(
  repo: string,
  editor: ConfigEditor,
  change: (raw: Record<string, unknown>) => void,
  check?: (candidate: LoadedPipelineConfig) => void,
): Promise<ConfigEdit> {
  return withLock(
    lockName(repo),
    async () => {
      const current = await loadPipelineConfig(repo);
      const wasTrusted = editor.mayTrust && (await isTrusted(editor.home, repo, current));
      const raw = structuredClone(current.raw);
      change(raw);
      const loaded: LoadedPipelineConfig = { file: CONFIG_FILE, legacy: false, raw, data: validate(CONFIG_FILE, raw) };
      check?.(loaded);
      await writeAiFile(repo, CONFIG_FILE, `${stringify(raw)}\n`);
      if (!needsTrust(loaded)) return { loaded, trusted: true };
      if (wasTrusted) await trustPipelineConfig(editor.home, repo, loaded, editor.by);
      return { loaded, trusted: wasTrusted };
    },
    { base: join(editor.home, "state"), timeoutMs: 30_000 },
  );
}

/** Binds a phase to a provider; the result must resolve (known provider with that role). */
export function setPhase(
  repo: string,
  editor: ConfigEditor,
  phase: AgentPhase,
  binding: { provider: string; model?: string; command_key?: string },
): Promise<ConfigEdit> {
  return editPipelineConfig(
    repo,
    editor,
    (raw) => {
      const table = tableAt(raw, "phases", phase);
      table.provider = binding.provider;
      if (binding.model !== undefined) table.model = binding.model;
      else delete table.model;
      if (binding.command_key !== undefined) table.command_key = binding.command_key;
    },
    (candidate) => void resolvePhase(candidate, phase),
  );
}

export function setCommand(repo: string, editor: ConfigEditor, key: string, command: string): Promise<ConfigEdit> {
  return editPipelineConfig(repo, editor, (raw) => {
    tableAt(raw, "commands")[key] = command;
  });
}

export function addTestCommand(repo: string, editor: ConfigEditor, command: string): Promise<ConfigEdit> {
  splitCommandLine(command); // refused now, as the test runner would refuse it (shell syntax, an unclosed quote, nothing)
  return editPipelineConfig(repo, editor, (raw) => {
    const test = tableAt(raw, "phases", "test");
    const commands = Array.isArray(test.commands) ? (test.commands as string[]) : [];
    if (!commands.includes(command)) commands.push(command);
    test.commands = commands;
  });
}

export function addCliProvider(
  repo: string,
  editor: ConfigEditor,
  id: string,
  provider: Omit<CustomProvider, "env" | "pass_env" | "output_contract"> & { env?: Record<string, string>; output_contract: string },
): Promise<ConfigEdit> {
  return editPipelineConfig(repo, editor, (raw) => {
    // The file gets today's name for an original contract (writer_diff is written as diff).
    tableAt(raw, "providers")[id] = { ...provider, output_contract: outputContract(provider.output_contract), env: provider.env ?? {} };
  });
}
