/**
 * Configuration files named on the command line: `--config FILE` on `start`/`stdio` (patchbay's
 * TOML, or the original PatchBay's YAML converted on the fly) and `patchbay settings import`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { stringify } from "smol-toml";
import { PatchbayError } from "../errors/index.ts";
import type { ImportedKey, OriginalImport } from "./import-original.ts";
import { readLayer, type SourcedLayer, validateLayers } from "./layers.ts";
import { writeConfigFile } from "./load.ts";
import { configFile } from "./paths.ts";

const YAML_FILE = /\.ya?ml$/i;

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PatchbayError("config_unreadable", `${file}: cannot be read (${code})`, { next: "check the path given to --config", cause: error });
  }
}

/** The original's config converted: loaded on use, as it brings a YAML parser that every other start would pay for. */
async function convertOriginalConfig(text: string, file: string, drop?: readonly string[]): Promise<OriginalImport> {
  const { convertOriginalConfig: convert } = await import("./import-original.ts");
  return convert(text, file, drop);
}

/**
 * The layer of a file given with `--config`: `.yaml`/`.yml` is the original's config (converted,
 * refusing what has no equivalent), anything else patchbay's TOML. A missing file is an error.
 *
 * @example
 * const base = await readConfigFile("/home/me/patchbay/config.yaml");
 * const config = await loadConfig({ home, base });
 */
export async function readConfigFile(file: string, cwd: string = process.cwd()): Promise<SourcedLayer> {
  const path = resolve(cwd, file);
  if (YAML_FILE.test(path)) return { file: path, data: (await convertOriginalConfig(await readText(path), path)).layer };
  const layer = await readLayer(path);
  if (!layer) throw new PatchbayError("config_unreadable", `${path}: no such file`, { next: "check the path given to --config" });
  return layer;
}

export interface ImportResult {
  /** The config.toml written, or that would be written. */
  target: string;
  toml: string;
  keys: ImportedKey[];
  written: boolean;
}

/**
 * Converts an original `config.yaml` into `$PATCHBAY_HOME/config.toml`. The result is checked
 * against the schema before anything is written; an existing config.toml is replaced only with
 * `force`.
 */
export async function importOriginalConfig(
  home: string,
  file: string,
  options: { drop?: readonly string[]; dryRun?: boolean; force?: boolean; cwd?: string } = {},
): Promise<ImportResult> {
  const source = resolve(options.cwd ?? process.cwd(), file);
  const { layer, keys } = await convertOriginalConfig(await readText(source), source, options.drop);
  validateLayers([{ file: source, data: layer }]);
  const target = configFile(home);
  const toml = `# converted from ${source} by \`patchbay settings import\`\n${stringify(layer)}\n`;
  if (options.dryRun) return { target, toml, keys, written: false };
  if (existsSync(target) && !options.force)
    throw new PatchbayError("file_exists", `${target} already exists`, { next: "look at the result with --dry-run, then pass --force to replace it" });
  await writeConfigFile(target, toml);
  return { target, toml, keys, written: true };
}
