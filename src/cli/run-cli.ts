import { renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import { exitCodeFor, likelyMeant, PatchbayError, asPatchbayError } from "../errors/index.ts";
import { colourUsage } from "./help-colour.ts";
import { spokenInCli } from "./server-call.ts";

type AnyCommand = CommandDef<ArgsDef>;

async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === "function" ? (value as () => T | Promise<T>)() : value;
}

/** The command the words of `argv` name, its parent, and the words that are its own. */
async function commandFor(main: AnyCommand, argv: string[]): Promise<{ command: AnyCommand; parent?: AnyCommand; path: string[]; rest: string[] }> {
  let command = main;
  let parent: AnyCommand | undefined;
  const path: string[] = [];
  let index = 0;
  for (; index < argv.length; index++) {
    const subCommands = command.subCommands ? await resolve(command.subCommands) : undefined;
    const word = argv[index]!;
    if (!subCommands || word.startsWith("-")) break;
    const sub = subCommands[word];
    if (!sub) {
      const meant = likelyMeant(word, Object.keys(subCommands));
      throw new PatchbayError("usage", `unknown command "${[...path, word].join(" ")}"; commands: ${Object.keys(subCommands).join(", ")}`, {
        next: meant ? `did you mean \`${["patchbay", ...path, meant].join(" ")}\`?` : `run \`patchbay ${path.join(" ")} --help\``.replace("  ", " "),
      });
    }
    parent = command;
    command = (await resolve(sub)) as AnyCommand;
    path.push(word);
  }
  return { command, parent, path, rest: argv.slice(index) };
}

function flagNames(args: ArgsDef): Map<string, boolean> {
  const names = new Map<string, boolean>(); // name -> is boolean
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const isBoolean = def.type === "boolean";
    const aliases = "alias" in def && def.alias !== undefined ? [def.alias].flat() : [];
    for (const alias of [name, kebab(name), ...aliases]) names.set(alias, isBoolean);
  }
  return names;
}

/** Citty accepts any flag; patchbay refuses unknown ones so a typo never silently does nothing. */
function assertKnownFlags(path: string[], args: ArgsDef, words: string[]): void {
  const known = flagNames(args);
  for (const word of words) {
    if (word === "--") break;
    if (!word.startsWith("-") || word === "-") continue;
    const name = word.replace(/^--?/, "").split("=")[0]!;
    const positive = name.startsWith("no-") ? name.slice(3) : name;
    if (known.has(name) || known.get(positive) === true) continue;
    const list = [...new Set(Object.keys(args).filter((key) => args[key]!.type !== "positional"))].map((key) => `--${key}`);
    // Suggested as typed on a command line: kebab-case, never a one-letter alias.
    const meant = likelyMeant(
      positive,
      [...known.keys()].filter((flag) => flag.length > 1 && flag === flag.toLowerCase()),
    );
    throw new PatchbayError("usage", `unknown flag ${word.split("=")[0]} for \`patchbay ${path.join(" ")}\`; flags: ${list.join(", ") || "none"}`, {
      next: meant ? `did you mean --${meant}?` : `see \`patchbay ${path.join(" ")} --help\``,
    });
  }
}

/**
 * Citty drops words past a command's positionals: `patchbay cancel A B` would cancel A alone and
 * succeed, and `msg send bob hello world` send "hello". patchbay refuses them instead.
 */
function assertKnownPositionals(path: string[], args: ArgsDef, words: string[]): void {
  const known = flagNames(args);
  const positionals = Object.entries(args)
    .filter(([, def]) => def.type === "positional")
    .map(([name]) => name.toUpperCase());
  const given: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === "--") {
      given.push(...words.slice(index + 1));
      break;
    }
    if (!word.startsWith("-") || word === "-") given.push(word);
    // A flag that takes a value takes the next word, unless it came with `=`.
    else if (!word.includes("=") && known.get(word.replace(/^--?/, "")) === false) index++;
  }
  if (given.length <= positionals.length) return;
  const extra = given.slice(positionals.length);
  const takes = positionals.length ? `it takes ${positionals.join(" ")}` : "it takes no arguments";
  throw new PatchbayError(
    "usage",
    `unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((word) => JSON.stringify(word)).join(" ")} for \`patchbay ${path.join(" ")}\`: ${takes}`,
    {
      next: "quote an argument that holds spaces; to act on several, run the command once for each",
    },
  );
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Colour only for a terminal, as NO_COLOR and FORCE_COLOR say (citty decides at load time, from
 * NO_COLOR=1, TERM, CI and TEST, so a pipe would get escape codes and FORCE_COLOR=1 in CI none).
 */
function wantsColour(env = process.env, stdout: { isTTY?: boolean } = process.stdout): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  if (env.NO_COLOR) return false;
  return Boolean(stdout.isTTY) && env.TERM !== "dumb";
}

/** citty's usage text without the padding it leaves at line ends, coloured only where wanted. */
function helpText(usage: string): string {
  const plain = usage.replace(ANSI, "").replace(/[ \t]+$/gm, "");
  return `${wantsColour() ? colourUsage(plain) : plain}\n\n`;
}

/** citty's own argument errors (a bad enum value, a missing argument) in patchbay's words: `--flag: what was expected`. */
function citty(message: string): PatchbayError {
  const plain = message.replace(ANSI, "");
  const choice = /^Invalid value for argument: (--[\w-]+) \((.*)\)\. Expected one of: (.*)\.$/.exec(plain);
  const missing = /^Missing required (?:positional )?argument: (\S+)$/.exec(plain);
  const text = choice ? `${choice[1]}: expected one of ${choice[3]}, got ${choice[2]}` : missing ? `${missing[1]}: required` : plain;
  return new PatchbayError("usage", text);
}

/** Bad input always says what to do next: at least the command's help. */
function withNext(error: PatchbayError, path: string[]): PatchbayError {
  if ((error.next && !error.hasDefaultNext) || exitCodeFor(error) !== 2) return error;
  return new PatchbayError(error.code, error.message, { next: `see \`${["patchbay", ...path].join(" ")} --help\``, details: error.details, cause: error });
}

function report(error: unknown, json: boolean, path: string[]): number {
  const failure = withNext(spokenInCli(error instanceof Error && error.name === "CLIError" ? citty(error.message) : asPatchbayError(error)), path);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: failure.toJSON() }, null, 2)}\n`);
  else process.stderr.write(`patchbay: ${failure.message}${failure.next ? `\n  next: ${failure.next}` : ""}\n`);
  return exitCodeFor(failure);
}

/**
 * Runs the CLI: help, version, strict flags, and one error format with exit codes
 * (1 failed, 2 bad usage or config, 3 state owned by another process).
 */
export async function runCli(main: AnyCommand, argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  let path: string[] = [];
  try {
    const found = await commandFor(main, argv);
    const { command, parent, rest } = found;
    path = found.path;
    if (rest.includes("--help") || rest.includes("-h") || (path.length === 0 && rest.length === 0)) {
      process.stdout.write(helpText(await renderUsage(command, parent)));
      return 0;
    }
    if (path.length === 0 && (rest[0] === "--version" || rest[0] === "-v")) {
      process.stdout.write(`${(await resolve(main.meta))?.version}\n`);
      return 0;
    }
    const args = command.args ? await resolve(command.args) : {};
    assertKnownFlags(path, args, rest);
    if (!command.subCommands) assertKnownPositionals(path, args, rest);
    const { result } = await runCommand(command, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  } catch (error) {
    return report(error, json, path);
  }
}
