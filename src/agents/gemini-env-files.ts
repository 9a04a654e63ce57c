import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

type Env = Record<string, string | undefined>;

/**
 * The `.env` file gemini loads for a trusted workspace (findEnvFile in the 0.61.0 bundle):
 * `.gemini/.env` or `.env` in the working directory or the nearest parent, else the home's.
 * Its variables are added to gemini's environment, never replacing a set one.
 */
export function envFileOf(env: Env, cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = [join(dir, ".gemini", ".env"), join(dir, ".env")].find((file) => existsSync(file));
    if (found) return found;
    if (dirname(dir) === dir) break;
  }
  const home = geminiHome(env);
  return [join(home, ".gemini", ".env"), join(home, ".env")].find((file) => existsSync(file));
}

/**
 * dotenv's line, as the 0.61.0 bundle's `parse` has it. Its `^` and `$` match at every line
 * terminator (U+2028 too) and a quoted value may span lines, so the file is read by this same
 * pattern: a line-by-line reading misses names dotenv finds (`A='1'\u2028LD_PRELOAD=…`).
 */
const DOTENV_LINE = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/gm;

/** The variables of an env file as gemini's dotenv reads them (a lone `\r` ends a line too; `export`, quotes, comments). */
export function readEnvFile(file: string): Env {
  const env: Env = {};
  for (const [, name = "", raw = ""] of readText(file).replace(/\r\n?/g, "\n").matchAll(DOTENV_LINE)) {
    const value = raw.trim();
    const unquoted = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    env[name] = value.startsWith('"') ? unquoted.replaceAll("\\n", "\n").replaceAll("\\r", "\r") : unquoted;
  }
  return env;
}

/** What gemini takes from a `.env` file of a folder it does not trust (AUTH_ENV_VAR_WHITELIST). */
const UNTRUSTED_FOLDER_VARIABLES = new Set(["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"]);

/**
 * The repository's env file that gemini would load, or undefined when the file it loads is not
 * the repository's (the user's home, a folder above the repository) or there is none.
 */
export function repositoryEnvFile(env: Env, cwd: string): string | undefined {
  const file = envFileOf(env, cwd);
  if (!file) return undefined;
  const folder = basename(dirname(file)) === ".gemini" ? dirname(dirname(file)) : dirname(file);
  return repositoryFolders(cwd).includes(folder) ? file : undefined;
}

/**
 * Empty values for the variables the repository's env file would add to gemini's environment,
 * except those gemini takes from an untrusted folder too: gemini adds a variable only when it is
 * not set, so a variable set empty is one the file cannot set. An agent could otherwise commit a
 * `.gemini/.env` with LD_PRELOAD or BASH_ENV that every later turn's programs would run.
 *
 * @example
 * repositoryEnvShadow({ PATH: "/usr/bin" }, "/repo"); // { LD_PRELOAD: "" } for a /repo/.gemini/.env setting it
 */
export function repositoryEnvShadow(env: Env, cwd: string): Record<string, string> {
  const file = repositoryEnvFile(env, cwd);
  if (!file) return {};
  const names = Object.keys(readEnvFile(file)).filter((name) => env[name] === undefined && !UNTRUSTED_FOLDER_VARIABLES.has(name));
  return Object.fromEntries(names.map((name) => [name, ""]));
}

/** The working directory and its parents up to the repository's top (the folder holding `.git`); outside a repository, the working directory. */
function repositoryFolders(cwd: string): string[] {
  const folders: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    folders.push(dir);
    if (existsSync(join(dir, ".git"))) return folders;
    if (dirname(dir) === dir) return [resolve(cwd)];
  }
}

/** A file's text, or "" when it cannot be read or is not a regular file. */
export function readText(file: string): string {
  try {
    // A committed link can point at a FIFO or a device, whose read would block or never end.
    if (!statSync(file).isFile()) return "";
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** gemini's home: GEMINI_CLI_HOME, else the user's. */
export function geminiHome(env: Env): string {
  return env.GEMINI_CLI_HOME || env.HOME || homedir();
}
