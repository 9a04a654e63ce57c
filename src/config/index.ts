/**
 * Configuration: one valibot schema for `config.toml` and profiles, layered with launch flags.
 *
 * @example
 * const config = await loadConfig({ home: patchbayHome(), profile: "dev", flags: { root: "." } });
 */
export { type ConfigKeyDoc, describeConfig, renderConfigDocs } from "./docs.ts";
export type { LaunchFlags } from "./flags.ts";
export { type ImportResult, importOriginalConfig, readConfigFile } from "./import-file.ts";
export { type LoadOptions, listProfiles, loadConfig, saveProfile, toolModeChosen, writeConfigFile } from "./load.ts";
export { type Env, configFile, patchbayHome, profileFile, profilesDir } from "./paths.ts";
export { deleteProfile, readRootProfiles, rootProfile, setProfileKey, useProfile } from "./profiles.ts";
export { type SettingsView, settingsView } from "./settings-view.ts";
export { BASH_MODES, type Config, configSchema, LOG_LEVELS, SANDBOX_MODES, STATE_DRIVERS, TOOL_MODES, TUNNEL_MODES } from "./schema.ts";
