import { dirname, join, resolve } from "node:path";
import { parse } from "jsonc-parser";
import { envFileOf, geminiHome, readEnvFile, readText, repositoryEnvFile } from "./gemini-env-files.ts";

type Env = Record<string, string | undefined>;

/**
 * Where the user configured Gemini CLI telemetry themselves, or undefined when nothing did.
 * Read in the 0.61.0 bundle (resolveTelemetrySettings, loadSettings): the environment
 * (GEMINI_TELEMETRY_*, OTEL_EXPORTER_OTLP_ENDPOINT; gemini adds those of the first `.env` file it
 * finds, never replacing a set one) wins over `telemetry` in the merged settings files (system
 * defaults, user, the workspace's when its settings load, system; JSON with comments). Without
 * `repositorySettings` the repository's settings file and env file count for nothing: patchbay's
 * turns do not load them (gemini.ts). Configured
 * means enabled, or a target, an endpoint or an outfile set: patchbay's own variables would
 * replace any of these for its turns, so then it sets none of them.
 *
 * @example
 * userTelemetry({ HOME: "/home/ann", GEMINI_TELEMETRY_TARGET: "gcp" }, "/repo"); // "GEMINI_TELEMETRY_TARGET"
 */
export function userTelemetry(env: Env, cwd: string, repositorySettings = false): string | undefined {
  const variable = telemetryVariable(env);
  if (variable) return variable;
  const envFile = envFileOf(env, cwd);
  const loaded = envFile && (repositorySettings || envFile !== repositoryEnvFile(env, cwd));
  const fromFile = loaded && telemetryVariable(readEnvFile(envFile));
  if (fromFile) return `${fromFile} in ${envFile}`;
  for (const file of settingsFiles(env, cwd, repositorySettings)) {
    const key = telemetryKey(readSettings(file));
    if (key) return `${key} in ${file}`;
  }
  return undefined;
}

const SET_VARIABLES = ["GEMINI_TELEMETRY_TARGET", "GEMINI_TELEMETRY_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", "GEMINI_TELEMETRY_OUTFILE"];
const SET_KEYS = ["target", "otlpEndpoint", "outfile"];

function telemetryVariable(env: Env): string | undefined {
  if (env.GEMINI_TELEMETRY_ENABLED === "true" || env.GEMINI_TELEMETRY_ENABLED === "1") return "GEMINI_TELEMETRY_ENABLED";
  return SET_VARIABLES.find((name) => env[name]);
}

function telemetryKey(settings: unknown): string | undefined {
  const telemetry = (settings as { telemetry?: Record<string, unknown> } | undefined)?.telemetry;
  if (typeof telemetry !== "object" || telemetry === null) return undefined;
  // A value may be "$VAR", expanded by gemini, so a string counts as well as a boolean.
  if (telemetry.enabled === true || telemetry.enabled === "true") return "telemetry.enabled";
  const key = SET_KEYS.find((name) => typeof telemetry[name] === "string" && telemetry[name] !== "");
  return key && `telemetry.${key}`;
}

/** A settings file as gemini reads it (comments allowed); a missing or broken one is nothing. */
function readSettings(file: string): unknown {
  return parse(readText(file), [], { allowTrailingComma: true });
}

/** The settings files gemini merges, as the child's environment places them (GEMINI_CLI_HOME moves the home). */
function settingsFiles(env: Env, cwd: string, repositorySettings: boolean): string[] {
  const system = env.GEMINI_CLI_SYSTEM_SETTINGS_PATH || systemSettingsPath();
  const defaults = env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH || join(dirname(system), "system-defaults.json");
  const user = join(geminiHome(env), ".gemini", "settings.json");
  const workspace = join(resolve(cwd), ".gemini", "settings.json");
  return [system, defaults, user, ...(workspace === user || !repositorySettings ? [] : [workspace])];
}

function systemSettingsPath(): string {
  if (process.platform === "darwin") return "/Library/Application Support/GeminiCli/settings.json";
  if (process.platform === "win32") return "C:\\ProgramData\\gemini-cli\\settings.json";
  return "/etc/gemini-cli/settings.json";
}
