/**
 * The pipeline config tools: the resolved `.ai/patchbay.toml`, and the edits that bind a phase,
 * set an executable, allow a test command or add a CLI provider.
 */
import * as v from "valibot";
import { AGENT_PHASES, OUTPUT_CONTRACT_NAMES, PROVIDER_PROMPT_MODES } from "../config-schema.ts";
import { addCliProvider, addTestCommand, type ConfigEdit, type ConfigEditor, setCommand, setPhase } from "../config-edit.ts";
import { describePipelineConfig, loadPipelineConfig } from "../config.ts";
import { isTrusted } from "../trust.ts";
import { anyOutput, LOCAL_WRITE, type RepoArgs, type RepoToolDeclaration, readTool, repoPath, repoTool } from "./repo-tool.ts";

export const configShowTool = readTool(
  "patchbay_config_show",
  "Pipeline config",
  "The resolved .ai/patchbay.toml: phases, test commands, providers, workflow, and whether the operator trusted what it runs.",
  {},
  async (repo, _args, context) => {
    const loaded = await loadPipelineConfig(repo);
    const view = { ...describePipelineConfig(loaded, context.app.config), trusted: await isTrusted(context.app.home, repo, loaded) };
    return { text: JSON.stringify(view, null, 2), structured: view };
  },
);

/**
 * A config edit: changes .ai/patchbay.toml, then answers with the resolved config. A session that
 * holds `exec` keeps the operator's trust in the file; any other edit that changes what runs
 * leaves the file untrusted until the operator trusts it (`patchbay config trust`).
 */
const configTool = <I extends v.ObjectEntries>(
  name: string,
  title: string,
  description: string,
  input: I,
  shape: Pick<RepoToolDeclaration<I & { repo_path: typeof repoPath }, typeof anyOutput>, "capability" | "escalate">,
  change: (repo: string, editor: ConfigEditor, args: RepoArgs<I>) => Promise<ConfigEdit>,
) =>
  repoTool({
    name,
    title,
    description,
    input: { ...input, repo_path: repoPath },
    output: anyOutput,
    annotations: LOCAL_WRITE,
    ...shape,
    async run(repo, args, context) {
      const editor: ConfigEditor = { home: context.app.home, by: context.session.clientRef, mayTrust: context.session.scope.power.bashMode === "full" };
      const edit = await change(repo, editor, args);
      const trust = edit.trusted
        ? ""
        : " It now sets commands the operator has not trusted: phases refuse to run until the operator runs `patchbay config trust` in a terminal.";
      return { text: `saved .ai/patchbay.toml.${trust}`, structured: { ...describePipelineConfig(edit.loaded, context.app.config), trusted: edit.trusted } };
    },
  });

export const phaseSetTool = configTool(
  "patchbay_config_phase_set",
  "Set a phase's provider",
  "Bind a phase to a provider and optional model in .ai/patchbay.toml.",
  {
    phase: v.picklist(AGENT_PHASES),
    provider: v.pipe(v.string(), v.minLength(1)),
    model: v.optional(v.string()),
    command_key: v.optional(v.pipe(v.string(), v.description("A [commands] key to run instead (needs the exec capability)."))),
  },
  { capability: "configure", escalate: { capability: "exec", when: "command_key", applies: (args) => args.command_key !== undefined } },
  (repo, editor, args) =>
    setPhase(repo, editor, args.phase, {
      provider: args.provider,
      ...(args.model && { model: args.model }),
      ...(args.command_key && { command_key: args.command_key }),
    }),
);

export const commandSetTool = configTool(
  "patchbay_config_command_set",
  "Set an executable",
  "Set [commands].<key>: the program a provider or a phase's command_key runs.",
  {
    key: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,31}$/)),
    command: v.pipe(v.string(), v.minLength(1)),
  },
  { capability: "exec" },
  (repo, editor, args) => setCommand(repo, editor, args.key, args.command),
);

export const testAddTool = configTool(
  "patchbay_config_test_add",
  "Allow a test command",
  "Add a command line to [phases.test].commands, the only commands the test phase runs.",
  {
    command: v.pipe(v.string(), v.minLength(1), v.maxLength(1000)),
  },
  { capability: "exec" },
  (repo, editor, args) => addTestCommand(repo, editor, args.command),
);

export const providerAddTool = configTool(
  "patchbay_config_provider_add_cli",
  "Add a CLI provider",
  "Define [providers.<id>]: a command-line agent with roles, args ({{prompt}}, {{prompt_file}}, {{cwd}}, {{model}}), prompt mode and output contract.",
  {
    provider_id: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,31}$/)),
    roles: v.pipe(v.array(v.picklist(AGENT_PHASES)), v.minLength(1)),
    command: v.pipe(v.string(), v.minLength(1)),
    args: v.optional(v.array(v.string())),
    prompt_mode: v.optional(v.picklist(PROVIDER_PROMPT_MODES)),
    output_contract: v.picklist(OUTPUT_CONTRACT_NAMES),
  },
  { capability: "exec" },
  (repo, editor, args) =>
    addCliProvider(repo, editor, args.provider_id, {
      roles: args.roles,
      command: args.command,
      args: args.args ?? [],
      prompt_mode: args.prompt_mode ?? "stdin",
      output_contract: args.output_contract,
    }),
);
