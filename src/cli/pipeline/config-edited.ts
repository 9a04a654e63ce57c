/** What the `patchbay config` edits share: the operator as editor, and how an edit is confirmed. */
import { loadCheckedConfig } from "../../agents/index.ts";
import { patchbayHome } from "../../config/index.ts";
import { PatchbayError } from "../../errors/index.ts";
import * as pipeline from "../../pipeline/index.ts";
import { emit, settingLines } from "../output.ts";

/** The operator at this terminal: an edit of a trusted file keeps it trusted. */
export function cliEditor(): pipeline.ConfigEditor {
  return { home: patchbayHome(), by: "cli", mayTrust: true };
}

/**
 * The command an edit came from, which of its flags set which setting (`output_contract` →
 * `--output-contract`), and the values it was given: an error about one of them is about the flags.
 */
export interface EditFlags {
  command: string;
  settings: Readonly<Record<string, string>>;
  values: readonly (string | undefined)[];
}

/**
 * An edit the file's rules refused, in the words of the command that asked for it: the file was
 * not written, so what needs fixing is a flag, not the file.
 */
function refusedEdit(error: unknown, flags: EditFlags): unknown {
  if (!(error instanceof PatchbayError)) return error;
  const names = Object.keys(flags.settings).join("|");
  // ".ai/patchbay.toml: providers.p.output_contract: …" → "--output-contract: …"
  const keyed = names && new RegExp(`^${pipeline.CONFIG_FILE.replace(/\./g, "\\.")}: (?:[\\w-]+\\.)*?(${names})(?:\\.\\d+)?: `).exec(error.message);
  const aboutValue = flags.values.some((value) => value && error.message.includes(`"${value}"`));
  // Anything else (the file was broken before) is still the file's to fix.
  if (!keyed && !aboutValue) return error;
  const message = keyed ? `${flags.settings[keyed[1]!]}: ${error.message.slice(keyed[0].length)}` : error.message;
  return new PatchbayError(error.code, `${message}; ${pipeline.CONFIG_FILE} was not changed`, {
    next: `fix the flag and run it again (\`patchbay ${flags.command} --help\`)`,
    details: error.details,
    cause: error,
  });
}

/**
 * After an edit: says when the file holds settings the operator has not trusted, then confirms the
 * edit in one line (`done`), or shows the whole resolved configuration with --json.
 */
export async function showEdited(
  repo: string,
  edit: Promise<pipeline.ConfigEdit>,
  asJson: boolean | undefined,
  done: string,
  flags?: EditFlags,
): Promise<number> {
  if (!(await edit.catch((error: unknown) => Promise.reject(flags ? refusedEdit(error, flags) : error))).trusted)
    process.stderr.write(
      `${pipeline.CONFIG_FILE} also holds commands you have not trusted yet: review it, then run \`patchbay config trust --repo ${repo}\`\n`,
    );
  if (asJson) return showConfig(repo, true);
  process.stdout.write(`${done} (${pipeline.CONFIG_FILE}; \`patchbay config show\` shows it all)\n`);
  return 0;
}

export async function showConfig(repo: string, asJson: boolean | undefined): Promise<number> {
  const home = patchbayHome();
  const loaded = await pipeline.loadPipelineConfig(repo);
  const view = { ...pipeline.describePipelineConfig(loaded, await loadCheckedConfig({ home })), trusted: await pipeline.isTrusted(home, repo, loaded) };
  emit(asJson, view, () => settingLines(view).join("\n"));
  return 0;
}
