import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse } from "jsonc-parser";

type Env = Record<string, string | undefined>;

/**
 * Where the user configured Gemini CLI telemetry themselves, or undefined when nothing did.
 * Read in the 0.61.0 bundle (resolveTelemetrySettings, loadSettings): the environment
 * (GEMINI_TELEMETRY_*, OTEL_EXPORTER_OTLP_ENDPOINT; gemini adds those of the first `.env` file it
 * finds, never replacing a set one) wins over `telemetry` in the merged settings files (system
 * defaults, user, workspace when trusted, system; JSON with comments). Configured
 * means enabled, or a target, an endpoint or an outfile set: patchbay's own variables would
 * replace any of these for its turns, so then it sets none of them.
 *
 * @example
 * userTelemetry({ HOME: "/home/ann", GEMINI_TELEMETRY_TARGET: "gcp" }, "/repo"); // "GEMINI_TELEMETRY_TARGET"
 */
export function userTelemetry(env: Env, cwd: string): string | undefined {
  const variable = telemetryVariable(env);
  if (variable) return variable;
  const envFile = envFileOf(env, cwd);
  const fromFile = envFile && telemetryVariable(readEnvFile(envFile));
  if (fromFile) return `${fromFile} in ${envFile}`;
  for (const file of settingsFiles(env, cwd)) {
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

/**
 * The `.env` file gemini loads (findEnvFile, the workspace trusted as patchbay's turns have it):
 * `.gemini/.env` or `.env` in the working directory or the nearest parent, else the home's.
 */
function envFileOf(env: Env, cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = [join(dir, ".gemini", ".env"), join(dir, ".env")].find((file) => existsSync(file));
    if (found) return found;
    if (dirname(dir) === dir) break;
  }
  const home = geminiHome(env);
  return [join(home, ".gemini", ".env"), join(home, ".env")].find((file) => existsSync(file));
}

/** `NAME=value` lines as dotenv reads them (`export`, quotes and trailing comments allowed). */
function readEnvFile(file: string): Env {
  const env: Env = {};
  for (const line of readText(file).split("\n")) {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const quoted = /^(['"`])(.*?)\1/.exec(match[2]!);
    env[match[1]!] = quoted ? quoted[2] : match[2]!.replace(/\s+#.*$/, "");
  }
  return env;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** gemini's home: GEMINI_CLI_HOME, else the user's. */
function geminiHome(env: Env): string {
  return env.GEMINI_CLI_HOME || env.HOME || homedir();
}

/** The settings files gemini merges, as the child's environment places them (GEMINI_CLI_HOME moves the home). */
function settingsFiles(env: Env, cwd: string): string[] {
  const system = env.GEMINI_CLI_SYSTEM_SETTINGS_PATH || systemSettingsPath();
  const defaults = env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH || join(dirname(system), "system-defaults.json");
  const user = join(geminiHome(env), ".gemini", "settings.json");
  const workspace = join(resolve(cwd), ".gemini", "settings.json");
  return [system, defaults, user, ...(workspace === user ? [] : [workspace])];
}

function systemSettingsPath(): string {
  if (process.platform === "darwin") return "/Library/Application Support/GeminiCli/settings.json";
  if (process.platform === "win32") return "C:\\ProgramData\\gemini-cli\\settings.json";
  return "/etc/gemini-cli/settings.json";
}
