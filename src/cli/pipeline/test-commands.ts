/** `patchbay config test add|remove|list`: the test phase's allowlist of command lines. */
import { defineCommand } from "citty";
import { PatchbayError } from "../../errors/index.ts";
import * as pipeline from "../../pipeline/index.ts";
import { emit } from "../output.ts";
import { json, repoArg, repoOf } from "./args.ts";
import { cliEditor, showEdited } from "./config-edited.ts";

const commandArg = { type: "positional", required: true, description: "The command line, quoted as one argument", valueHint: "CMD" } as const;

/** Removes `command` from [phases.test] commands; a line the list does not hold is refused, naming what it holds. */
function removeTestCommand(repo: string, command: string): Promise<pipeline.ConfigEdit> {
  return pipeline.editPipelineConfig(repo, cliEditor(), (raw) => {
    const test = (raw.phases as Record<string, Record<string, unknown> | undefined> | undefined)?.test;
    const commands = Array.isArray(test?.commands) ? (test.commands as string[]) : [];
    if (!test || !commands.includes(command))
      throw new PatchbayError("not_found", `the test phase has no command ${JSON.stringify(command)}`, {
        next: "`patchbay config test list` shows its commands; pass one exactly as listed",
      });
    test.commands = commands.filter((line) => line !== command);
  });
}

export const testCommand = defineCommand({
  meta: { name: "test", description: "The test phase's allowlist: add, remove, list" },
  subCommands: {
    add: defineCommand({
      meta: { name: "add", description: "Allow a command line in the test phase (no shell: a line with && | ; > or $( is refused)" },
      args: { command: commandArg, repo: repoArg, json },
      async run({ args }) {
        const repo = await repoOf(args.repo);
        const edit = await pipeline.addTestCommand(repo, cliEditor(), args.command);
        // The operator's own edit keeps the file trusted (ConfigEditor.mayTrust): say plainly that the next test phase runs it.
        const runs = edit.trusted
          ? `the next test phase will run ${args.command} as you: your edit keeps the file trusted, no \`patchbay config trust\` needed`
          : `added to the test phase: ${args.command}; it runs once you trust the file`;
        return showEdited(repo, Promise.resolve(edit), args.json, runs);
      },
    }),
    remove: defineCommand({
      meta: { name: "remove", description: "Remove a command line from the test phase" },
      args: { command: commandArg, repo: repoArg, json },
      async run({ args }) {
        const repo = await repoOf(args.repo);
        // Its refusals already speak the command's words (`patchbay config test list` shows what there is).
        return showEdited(repo, removeTestCommand(repo, args.command), args.json, `removed from the test phase: ${args.command}`);
      },
    }),
    list: defineCommand({
      meta: { name: "list", description: "The command lines the test phase runs, in order" },
      args: { repo: repoArg, json },
      async run({ args }) {
        const { commands } = pipeline.testSettings(await pipeline.loadPipelineConfig(await repoOf(args.repo)));
        emit(args.json, { commands }, () => (commands.length ? commands.join("\n") : "no test commands: add one with `patchbay config test add CMD`"));
        return 0;
      },
    }),
  },
});
