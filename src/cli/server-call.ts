/**
 * The one way a CLI command runs a server tool: the control `call` op, and the tool's error
 * rebuilt as a CLI error in the words of the shell. Its arguments are named by the command's flags
 * (`--file`, not `file_path`) and the tools a hint names by their commands (`patchbay worker list`,
 * not `codex_worker_list`), as `tool-commands.ts` spells them.
 */
import { PatchbayError } from "../errors/index.ts";
import { controlRequest, type OwnerRecord } from "../server/index.ts";
import type { ControlRequest } from "../server/control-protocol.ts";
import { TOOL_COMMANDS } from "./tool-commands.ts";

type CallRequest = Extract<ControlRequest, { op: "call" }>;
export type CallScope = CallRequest["scope"];

const NO_POWER = { directWrite: false, bashMode: "off" as const, codexSessionRead: false };

/** A session without repositories or power tools (messaging). */
export const NO_ROOTS: CallScope = { allowedRoots: [], power: NO_POWER };

/** A session limited to `repo`, without power tools. */
export function repoScope(repo: string): CallScope {
  return { defaultRoot: repo, allowedRoots: [repo], power: NO_POWER };
}

/** Integration may run the repository's test commands for each worker or job: it is given the time they may take. */
export const INTEGRATE_TIMEOUT_MS = 4 * 60 * 60_000;

/**
 * `scope` with the exec capability, for a command that runs the repository's trusted test commands (integrate
 * --run-tests): the person at the terminal is the operator and needs no power setting for that.
 */
export function withExec(scope: CallScope): CallScope {
  return { ...scope, power: { ...scope.power, bashMode: "full" } };
}

/** A tool's answer: its structured content, and its text for people. */
export interface ToolAnswer<T> {
  value: T;
  text: string;
}

type ToolResult<T> = {
  isError?: boolean;
  content?: Array<{ text?: string }>;
  structuredContent?: T;
  _meta?: { "patchbay/error"?: { code: string; message: string; next?: string } };
};

/** Runs `call.tool` on the server of `owner`; its error is thrown as a CLI error (`inCliWords`). */
export async function callServerTool<T>(owner: OwnerRecord, call: Omit<CallRequest, "op">, timeoutMs: number): Promise<ToolAnswer<T>> {
  const { data, socket } = await controlRequest(owner, { op: "call", ...call }, timeoutMs);
  socket.destroy();
  const result = data as ToolResult<T>;
  const failure = result._meta?.["patchbay/error"];
  if (result.isError || !result.structuredContent) {
    const next = failure?.next;
    throw inCliWords(call.tool, {
      code: failure?.code ?? "internal_error",
      message: failure?.message ?? `${TOOL_COMMANDS[call.tool]?.command ?? call.tool} failed on the server`,
      // The command already runs with exec (the operator at the terminal holds it): saying it needs exec only misleads.
      next: call.scope.power.bashMode === "full" ? next?.replaceAll(" (needs the exec capability)", "") : next,
    });
  }
  return { value: result.structuredContent, text: (result.content ?? []).map((block) => block.text ?? "").join("") };
}

/** Tool names, longest first; a name without `_` is a plain word too and counts only after "call". */
const TOOL_REFERENCE = new RegExp(
  `(\\bcall )?\`?\\b(${Object.keys(TOOL_COMMANDS)
    .sort((a, b) => b.length - a.length)
    .join("|")})\\b\`?((?: [a-z_]+=[^\\s,;)]+)*)`,
  "g",
);

/**
 * `name=value` as the command line says it: `--view status`, `--cleanup`, `--no-run-tests`, or the
 * positional's value; unknown names stay. A boolean flag takes no value (`--run-tests false` would
 * set it and pass `false` as a positional), so false is its `--no-` form.
 */
function setting(flags: Readonly<Record<string, string>>, name: string, value: string): string {
  const flag = flags[name];
  if (!flag) return `${name}=${value}`;
  if (!flag.startsWith("--")) return value;
  if (value === "true") return flag;
  return value === "false" ? `--no-${flag.slice(2)}` : `${flag} ${value}`;
}

/** `tool arg=value …` as its command line: `patchbay worker inspect --view status`. */
function commandLine(tool: string, settings: string): string {
  const { command, flags } = TOOL_COMMANDS[tool]!;
  const words = settings
    .trim()
    .split(" ")
    .filter(Boolean)
    .map((pair) => {
      const [name = "", value = ""] = pair.split("=", 2);
      return setting(flags, name, value);
    });
  return [command, ...words].join(" ");
}

/** Every tool `text` names, as its command in backticks ("call inbox" → "run `patchbay msg inbox`"). */
export function commandsFor(text: string): string {
  return (
    text
      .replace(TOOL_REFERENCE, (whole, call: string | undefined, tool: string, settings: string) => {
        if (!tool.includes("_") && !call) return whole;
        return `${call ? "run " : ""}\`${commandLine(tool, settings)}\``;
      })
      .replace(/(`[^`]+`) \(or \1\)/g, "$1")
      // A tool with no CLI spelling, named in passing for an MCP caller, says nothing at a shell.
      .replace(/ \((?:or )?`?(?:codex|patchbay)_[a-z_]+`?\)/g, "")
  );
}

/**
 * A tool's error as the person who ran `tool`'s command should read it: the registry's
 * `tool: argument: issue` becomes `--flag: issue`, the tool's arguments are named by their flags
 * and other tools by their commands. What has no CLI spelling stays as the server said it.
 */
export function inCliWords(tool: string, error: { code: string; message: string; next?: string }): PatchbayError {
  const flags = TOOL_COMMANDS[tool]?.flags ?? {};
  const named: string[] = [];
  const flagOf = (argument: string) => {
    const flag = flags[argument];
    if (flag && !named.includes(flag)) named.push(flag);
    return flag;
  };
  const names = Object.keys(flags);
  // `name=value` is a setting whatever the name; a name with `_` is unmistakably an argument anywhere,
  // a plain word (`view`, `agent`) only where an argument leads the message.
  const settings = names.length ? new RegExp(`\\b(${names.join("|")})=([^\\s,;)]+)`, "g") : undefined;
  const snakeNames = names.filter((name) => name.includes("_"));
  const argumentWords = snakeNames.length ? new RegExp(`\\b(${snakeNames.join("|")})\\b`, "g") : undefined;
  // `name` in backticks, or `name: true`, is an argument whatever the word: `worker`, `takeover: true`.
  const quotedOrSet = names.length ? new RegExp(`\`(${names.join("|")})\`|\\b(${names.join("|")}): true\\b`, "g") : undefined;
  const words = (text: string) => {
    let spoken = commandsFor(text);
    if (quotedOrSet) spoken = spoken.replace(quotedOrSet, (whole, quoted?: string, set?: string) => flagOf((quoted ?? set)!) ?? whole);
    if (settings) spoken = spoken.replace(settings, (_whole, name: string, value: string) => setting(flags, name, value));
    return argumentWords ? spoken.replace(argumentWords, (name: string) => flagOf(name) ?? name) : spoken;
  };
  const unprefixed = error.message.startsWith(`${tool}: `) ? error.message.slice(tool.length + 2) : error.message;
  // An argument leads the message, or each of the registry's "; "-joined issues: `file_path: …`, `context_from_workers.0: …`.
  const message = words(
    unprefixed.replace(/(^|; )([a-z][a-z0-9_]*)(?:\.[\w.]+)?(?=: )/g, (whole, lead: string, name: string) => (flagOf(name) ? `${lead}${flagOf(name)}` : whole)),
  );
  const next =
    error.next &&
    words(error.next)
      .replace(/\bthe named argument\b/g, named.length ? named.join(" and ") : "the named flag")
      .replace(/\bcall again\b/g, "run it again");
  return PatchbayError.received({ code: error.code, message, next });
}

/**
 * Any error a CLI command ends with, with the tools it names spoken as their commands: errors of
 * the capabilities the CLI runs in-process (the pipeline's `patchbay runs` hint) also name tools.
 */
export function spokenInCli(error: PatchbayError): PatchbayError {
  const next = error.next && commandsFor(error.next);
  const message = commandsFor(error.message);
  if (message === error.message && next === error.next) return error;
  return new PatchbayError(error.code, message, { next, details: error.details, cause: error });
}
