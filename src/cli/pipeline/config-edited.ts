/** What the `patchbay config` edits share: the operator as editor, and how an edit is confirmed. */
import { loadCheckedConfig } from "../../agents/index.ts";
import { patchbayHome } from "../../config/index.ts";
import * as pipeline from "../../pipeline/index.ts";
import { emit, settingLines } from "../output.ts";

/** The operator at this terminal: an edit of a trusted file keeps it trusted. */
export function cliEditor(): pipeline.ConfigEditor {
  return { home: patchbayHome(), by: "cli", mayTrust: true };
}

/**
 * After an edit: says when the file holds settings the operator has not trusted, then confirms the
 * edit in one line (`done`), or shows the whole resolved configuration with --json.
 */
export async function showEdited(repo: string, edit: Promise<pipeline.ConfigEdit>, asJson: boolean | undefined, done: string): Promise<number> {
  if (!(await edit).trusted)
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
