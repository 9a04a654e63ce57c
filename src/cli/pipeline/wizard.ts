/**
 * `patchbay config` with no subcommand: an interactive wizard (consola prompts) that binds each
 * agent phase to a provider and model, sets the fix phase and the test allowlist, then writes
 * `.ai/patchbay.toml` once, validated. Without a terminal it refuses and names the
 * non-interactive subcommands, which do the same.
 */
import { createInterface } from "node:readline";
import { consola } from "consola";
import { PatchbayError } from "../../errors/index.ts";
import * as pipeline from "../../pipeline/index.ts";
import { providerRoles, tableAt } from "../../pipeline/config.ts";
import { editPipelineConfig, type ConfigEditor } from "../../pipeline/config-edit.ts";

export const NON_INTERACTIVE = [
  "patchbay config show",
  "patchbay config phase set <plan|write|review|fix> --provider <id> [--model <model>]",
  "patchbay config command set <key> <executable>",
  'patchbay config test add "<command line>"',
  "patchbay config provider add-cli <id> --roles plan,review --command <exe> --output-contract text",
];

export function assertInteractive(stdin: { isTTY?: boolean } = process.stdin, stdout: { isTTY?: boolean } = process.stdout): void {
  if (stdin.isTTY && stdout.isTTY) return;
  throw new PatchbayError("not_interactive", "`patchbay config` is an interactive wizard and needs a terminal", {
    next: `use the non-interactive subcommands: ${NON_INTERACTIVE.join("; ")}`,
  });
}

const SAME_AS_WRITE = "(same as write)";
const NO_MODEL = "";

async function select(message: string, options: string[], initial: string): Promise<string> {
  return (await consola.prompt(message, { type: "select", options, initial, cancel: "reject" })) as string;
}

/**
 * One line of free text, pre-filled with `initial` so Enter keeps it and clearing it means empty.
 * Plain node:readline, not consola's text prompt: under Bun (the compiled binary) that prompt
 * echoes keystrokes but never records them, so every answer came back as its default.
 * Ctrl-C or Ctrl-D rejects like consola's `cancel: "reject"`.
 */
async function text(message: string, initial: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      let settled = false;
      const cancelled = () => {
        if (settled) return;
        settled = true;
        process.stdout.write("\n");
        reject(Object.assign(new Error("Prompt cancelled."), { name: "ConsolaPromptCancelledError" }));
      };
      rl.once("SIGINT", cancelled);
      rl.once("close", cancelled);
      rl.question(`\n❯ ${message}\n  `, (answer) => {
        settled = true;
        resolve(answer.trim());
      });
      if (initial) rl.write(initial);
    });
  } finally {
    rl.close();
  }
}

/** Runs the wizard for `repo`; returns the saved configuration's description. */
export async function configWizard(repo: string, editor: ConfigEditor): Promise<ReturnType<typeof pipeline.describePipelineConfig>> {
  assertInteractive();
  const loaded = await pipeline.loadPipelineConfig(repo);
  const roles = providerRoles(loaded.data);
  consola.info(loaded.file ? `editing the configuration from ${loaded.file}; it is saved to ${pipeline.CONFIG_FILE}` : `creating ${pipeline.CONFIG_FILE}`);
  const choices: Record<string, { provider?: string; model?: string }> = {};
  for (const phase of pipeline.AGENT_PHASES) {
    const fits = Object.keys(roles).filter((id) => roles[id]!.includes(phase));
    const own = loaded.data.phases[phase];
    if (phase === "fix") {
      const provider = await select(
        "fix: which provider addresses review findings and failing tests?",
        [SAME_AS_WRITE, ...fits],
        own.provider ?? SAME_AS_WRITE,
      );
      if (provider === SAME_AS_WRITE) {
        choices.fix = {};
        continue;
      }
      choices.fix = { provider, model: await text("fix: model (empty: the provider's default)", own.model ?? NO_MODEL) };
      continue;
    }
    let current = NO_MODEL;
    try {
      current = pipeline.resolvePhase(loaded, phase).provider;
    } catch {
      // unresolvable now: the wizard picks anew
    }
    const provider = await select(`${phase}: which provider?`, fits, fits.includes(current) ? current : fits[0]!);
    const model = provider === "mock" ? NO_MODEL : await text(`${phase}: model (empty: the provider's default)`, own.model ?? NO_MODEL);
    choices[phase] = { provider, model };
  }
  const commands = [...pipeline.testSettings(loaded).commands];
  consola.info(commands.length ? `test commands: ${commands.join(" | ")}` : "no test commands yet: apply needs passing tests");
  for (;;) {
    const command = await text("test: add a command the test phase may run (empty: done)", NO_MODEL);
    if (!command) break;
    if (!commands.includes(command)) commands.push(command);
  }
  const saved = await editPipelineConfig(
    repo,
    editor,
    (raw) => {
      for (const [phase, choice] of Object.entries(choices)) {
        const table = tableAt(raw, "phases", phase);
        if (choice.provider) table.provider = choice.provider;
        else delete table.provider;
        if (choice.model) table.model = choice.model;
        else delete table.model;
      }
      tableAt(raw, "phases", "test").commands = commands;
    },
    (candidate) => {
      for (const phase of pipeline.AGENT_PHASES) pipeline.resolvePhase(candidate, phase);
    },
  );
  consola.success(`saved ${pipeline.CONFIG_FILE}; check it with \`patchbay doctor\``);
  if (!saved.trusted) consola.warn(`${pipeline.CONFIG_FILE} holds commands you have not trusted yet: review it, then run \`patchbay config trust\``);
  return pipeline.describePipelineConfig(saved.loaded);
}
