import { readdir } from "node:fs/promises";
import { dirname } from "node:path";
import { stringify } from "smol-toml";
import { PatchbayError } from "../errors/index.ts";
import { writeFileAtomic } from "../runtime/index.ts";
import { type LaunchFlags, flagsLayer } from "./flags.ts";
import { type SourcedLayer, mergeTables, readLayer, validateLayers } from "./layers.ts";
import { type Env, configFile, isProfileName, patchbayHome, profileFile, profilesDir } from "./paths.ts";
import type { Config } from "./schema.ts";

export interface LoadOptions {
  /** Defaults to `patchbayHome(env)`. */
  home?: string;
  profile?: string;
  flags?: LaunchFlags;
  /** Where relative `--root` / `--allow-root` paths start; defaults to `process.cwd()`. */
  cwd?: string;
  env?: Env;
  /** The base layer instead of `config.toml` (`--config FILE`, read with `readConfigFile`). */
  base?: SourcedLayer;
}

/**
 * The effective config: defaults, then `config.toml`, then the profile, then the launch flags.
 * Tables merge key by key; lists replace.
 *
 * @example
 * const config = await loadConfig({ home: "/home/me/.patchbay", profile: "dev", flags: { port: 9000 } });
 */
export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const home = options.home ?? patchbayHome(options.env);
  const file = configFile(home);
  const layers: [SourcedLayer, ...SourcedLayer[]] = [options.base ?? (await readLayer(file)) ?? { file, data: {} }];
  if (options.profile !== undefined) layers.push(await readProfile(home, options.profile));
  const config = validateLayers(layers);
  if (options.flags === undefined) return config;
  // Flags passed their own, stricter-named checks (and may hold port 0, which files may not), so
  // they are laid over the validated config rather than validated with it.
  return mergeTables(config, flagsLayer(options.flags, options.cwd ?? process.cwd())) as Config;
}

/**
 * Whether app.tool_mode was chosen (in the base file, the profile or with --tool-mode) rather than
 * left at its default: a chosen mode is exactly its catalog, the default follows the repository.
 */
export async function toolModeChosen(options: LoadOptions = {}): Promise<boolean> {
  if (options.flags?.toolMode !== undefined) return true;
  const home = options.home ?? patchbayHome(options.env);
  const profile = options.profile === undefined ? undefined : await readLayer(profileFile(home, options.profile));
  const layers = [options.base ?? (await readLayer(configFile(home))), profile];
  return layers.some((layer) => (layer?.data.app as { tool_mode?: unknown } | undefined)?.tool_mode !== undefined);
}

async function readProfile(home: string, name: string): Promise<SourcedLayer> {
  const layer = await readLayer(profileFile(home, name));
  if (layer) return layer;
  const existing = await listProfiles(home);
  const known = existing.length > 0 ? `existing profiles: ${existing.join(", ")}` : "no profiles are saved yet";
  throw new PatchbayError("invalid_profile", `profile "${name}" does not exist in ${profilesDir(home)}; ${known}`, {
    next: `use one of the existing profiles, or save this one with \`patchbay start --profile ${name} --save-profile\``,
    details: { profile: name, existing },
  });
}

/** The names of the saved profiles, sorted. */
export async function listProfiles(home: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(profilesDir(home));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.endsWith(".toml"))
    .map((entry) => entry.slice(0, -".toml".length))
    .filter(isProfileName)
    .sort();
}

/**
 * Saves the launch flags as profile `name`, replacing any profile of that name, and returns its
 * path. Only config keys derived from flags are written, never a token.
 *
 * @example
 * await saveProfile(patchbayHome(), "review", { root: ".", power: "safe" });
 */
export async function saveProfile(home: string, name: string, flags: LaunchFlags, cwd: string = process.cwd()): Promise<string> {
  const file = profileFile(home, name);
  if (flags.port === 0) {
    throw new PatchbayError("invalid_flag", "--port 0 picks a free port at each start, so it cannot be saved in a profile", {
      next: "save the profile with a port from 1 to 65535, or without --port",
    });
  }
  const header = `# patchbay profile "${name}", saved from launch flags\n`;
  await writeConfigFile(file, header + stringify(flagsLayer(flags, cwd)));
  return file;
}

/** Replaces a configuration file atomically (`writeFileAtomic`), so readers never see half of it; a failure is `config_write_failed`. */
export async function writeConfigFile(file: string, text: string, options: { mode?: number } = {}): Promise<void> {
  try {
    await writeFileAtomic(file, text, { createDirs: true, mode: options.mode });
  } catch (error) {
    throw new PatchbayError("config_write_failed", `${file}: cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      next: `check that ${dirname(file)} is writable`,
      cause: error,
    });
  }
}
