/**
 * `patchbay config`: the pipeline file of a repository. Without a subcommand an interactive
 * wizard; `show`, the edits (`phase set`, `command set`, `test add`, `provider add-cli`) and
 * `trust`, the operator's word that phases may run what the file sets.
 */
import { defineCommand } from "citty";
import { patchbayHome } from "../../config/index.ts";
import { PatchbayError } from "../../errors/index.ts";
import * as pipeline from "../../pipeline/index.ts";
import { emit, settingLines } from "../output.ts";
import { json, repoArg, repoOf } from "./args.ts";
import { cliEditor, showConfig, showEdited } from "./config-edited.ts";
import { testCommand } from "./test-commands.ts";

export const configCommand = defineCommand({
  meta: {
    name: "config",
    description: "Change .ai/patchbay.toml: an interactive wizard without a subcommand, or show / phase set / command set / test add / provider add-cli",
  },
  args: { repo: repoArg },
  async run({ args }) {
    const { configWizard } = await import("./wizard.ts");
    const view = await configWizard(await repoOf(args.repo), cliEditor());
    emit(false, view, () => settingLines({ phases: view.phases }).join("\n"));
    return 0;
  },
  subCommands: {
    show: defineCommand({
      meta: { name: "show", description: "The resolved configuration" },
      args: { repo: repoArg, json },
      run: async ({ args }) => showConfig(await repoOf(args.repo), args.json),
    }),
    trust: defineCommand({
      meta: {
        name: "trust",
        description: "Trust the commands, executables, environments and gates .ai/patchbay.toml sets, as they are now (phases refuse untrusted ones)",
      },
      args: { repo: repoArg, json },
      run: async ({ args }) => trustConfig(await repoOf(args.repo), args.json),
    }),
    phase: defineCommand({
      meta: { name: "phase", description: "Bind a phase to a provider" },
      subCommands: {
        set: defineCommand({
          meta: { name: "set", description: "patchbay config phase set <phase> --provider P [--model M] [--command-key K]" },
          args: {
            phase: { type: "positional", required: true, description: "plan, write, review or fix", valueHint: "PHASE" },
            provider: { type: "string", required: true, description: "Provider id", valueHint: "ID" },
            model: { type: "string", description: "Model", valueHint: "MODEL" },
            "command-key": { type: "string", description: "Key of [commands]", valueHint: "KEY" },
            repo: repoArg,
            json,
          },
          async run({ args }) {
            if (!(pipeline.AGENT_PHASES as readonly string[]).includes(args.phase))
              throw new PatchbayError("usage", `PHASE: expected one of ${pipeline.AGENT_PHASES.join(", ")}, got ${args.phase}`, {
                next: "see `patchbay config phase set --help`",
              });
            const repo = await repoOf(args.repo);
            return showEdited(
              repo,
              pipeline.setPhase(repo, cliEditor(), args.phase as pipeline.AgentPhase, {
                provider: args.provider,
                ...(args.model && { model: args.model }),
                ...(args["command-key"] && { command_key: args["command-key"] }),
              }),
              args.json,
              `${args.phase} runs on ${args.provider}${args.model ? ` (${args.model})` : ""}`,
              {
                command: "config phase set",
                settings: { provider: "--provider", model: "--model", command_key: "--command-key" },
                values: [args.provider, args.model, args["command-key"]],
              },
            );
          },
        }),
      },
    }),
    command: defineCommand({
      meta: { name: "command", description: "Set an executable under [commands]" },
      subCommands: {
        set: defineCommand({
          meta: { name: "set", description: "patchbay config command set <key> <executable>" },
          args: {
            key: { type: "positional", required: true, description: "codex, claude, gemini, reasonix or a command_key", valueHint: "KEY" },
            command: { type: "positional", required: true, description: "Executable", valueHint: "EXE" },
            repo: repoArg,
            json,
          },
          async run({ args }) {
            const repo = await repoOf(args.repo);
            return showEdited(repo, pipeline.setCommand(repo, cliEditor(), args.key, args.command), args.json, `commands.${args.key} = ${args.command}`, {
              command: "config command set",
              settings: { [args.key]: "EXE" },
              values: [args.key, args.command],
            });
          },
        }),
      },
    }),
    test: testCommand,
    provider: defineCommand({
      meta: { name: "provider", description: "Custom CLI providers" },
      subCommands: {
        "add-cli": defineCommand({
          meta: {
            name: "add-cli",
            description:
              "patchbay config provider add-cli <id> --roles plan,review --command C [--args a,b] [--prompt-mode stdin|arg|file] --output-contract text|json|jsonl|diff",
          },
          args: {
            id: { type: "positional", required: true, description: "Provider id", valueHint: "ID" },
            roles: { type: "string", required: true, description: "Comma-separated roles", valueHint: "ROLES" },
            command: { type: "string", required: true, description: "Executable", valueHint: "EXE" },
            args: { type: "string", description: "Comma-separated arguments", valueHint: "ARGS" },
            "prompt-mode": { type: "string", description: "stdin, arg or file", valueHint: "MODE" },
            "output-contract": {
              type: "string",
              required: true,
              description:
                "text, json, jsonl or diff (the original's writer_diff, worktree_diff, plan_json and review_verdict are read as diff, text, text, text)",
              valueHint: "CONTRACT",
            },
            repo: repoArg,
            json,
          },
          async run({ args }) {
            const repo = await repoOf(args.repo);
            const list = (text: string | undefined) =>
              text
                ? text
                    .split(",")
                    .map((part) => part.trim())
                    .filter(Boolean)
                : [];
            const edit = pipeline.addCliProvider(repo, cliEditor(), args.id, {
              roles: list(args.roles) as pipeline.AgentPhase[],
              command: args.command,
              args: list(args.args),
              prompt_mode: (args["prompt-mode"] ?? "stdin") as "stdin",
              output_contract: args["output-contract"],
            });
            return showEdited(repo, edit, args.json, `added provider ${args.id} (${args.roles})`, {
              command: "config provider add-cli",
              settings: { roles: "--roles", command: "--command", args: "--args", prompt_mode: "--prompt-mode", output_contract: "--output-contract" },
              values: [args.id],
            });
          },
        }),
      },
    }),
  },
});

async function trustConfig(repo: string, asJson: boolean | undefined): Promise<number> {
  const loaded = await pipeline.loadPipelineConfig(repo);
  const settings = pipeline.execSettings(loaded);
  const needed = pipeline.needsTrust(loaded);
  const fingerprint = needed ? await pipeline.trustPipelineConfig(patchbayHome(), repo, loaded, "cli") : null;
  const view = { repo, file: loaded.file ?? null, needed, fingerprint, settings };
  emit(asJson, view, () =>
    needed
      ? [`trusted ${loaded.file} (${fingerprint!.slice(0, 12)}): phases may now run what it sets:`, ...settingLines(settings).map((line) => `  ${line}`)].join(
          "\n",
        )
      : `${loaded.file ?? pipeline.CONFIG_FILE} sets nothing that needs trust`,
  );
  return 0;
}
