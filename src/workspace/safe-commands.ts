/**
 * `power_tools.bash_mode = "safe"`: a command line is split into argv without a shell and must
 * match one of the argument shapes in safe-command-shapes.ts: an allowlisted command, only its
 * listed options, and operands of the kind it expects. Anything a shell would interpret and any
 * way out of the repository (`..`, absolute paths, `~`) is refused before that. git runs without
 * repository-configured programs and with blocked paths excluded by pathspec.
 */
import { PatchbayError } from "../errors/index.ts";
import { splitWords } from "./commands.ts";
import { runGit } from "./git.ts";
import { COMMAND_SHAPES, type CommandShape, type OperandKind, type ValueShape } from "./safe-command-shapes.ts";

/** Allowed commands, as the words they start with. */
export const SAFE_COMMANDS: readonly (readonly string[])[] = COMMAND_SHAPES.map((shape) => shape.words);

const METACHARACTERS = /[;&|<>$`\\\n\r\0(){}]/;

function refused(why: string): PatchbayError {
  const allowed = SAFE_COMMANDS.map((words) => words.join(" "));
  return new PatchbayError("command_not_allowed", `${why}; safe mode runs only: ${[...new Set(allowed)].join(", ")}`, {
    next: "run one allowed command with its listed options and without shell syntax, or ask the operator for power_tools.bash_mode = \"full\"",
    details: { allowed },
  });
}

export interface SafeCommand {
  /** The argv to run: hardened git, and blocked-path exclusions where the command reads files. */
  argv: string[];
  /** Arguments that name files: each must pass the workspace guard, relative to the command's cwd. */
  paths: string[];
  /** git words that may be revisions: checked by assertNoFileObjects (a blob or tree prints file contents). */
  revisions: string[];
  /** A git read that must stay inside a workspace below the repository's top: it needs a path (see assertNoFileObjects). */
  needsScope: boolean;
  /** The command's directory, relative to the workspace root. */
  cwd: string;
}

function assertNoShellSyntax(command: string): void {
  const metacharacter = METACHARACTERS.exec(command)?.[0];
  if (metacharacter) throw refused(`${JSON.stringify(metacharacter)} is shell syntax, and safe mode runs no shell`);
}

/** No word may lead outside: an absolute path, a `..` segment, or a home directory. `./...` and `a..b` stay inside. */
function assertInsideWords(words: string[]): void {
  for (const word of words) {
    if (/(^|[/=])\.\.($|\/)/.test(word)) throw refused(`${JSON.stringify(word)}: ".." could lead outside the repository`);
    if (/(^|=)~/.test(word)) throw refused(`${JSON.stringify(word)}: "~" could lead outside the repository`);
    if (word.startsWith("/") || word.includes("=/")) throw refused(`${JSON.stringify(word)} is an absolute path`);
  }
}

/** The words the shape's operands and option values mean, sorted by kind. */
interface Parsed {
  operands: string[];
  afterDashDash: string[];
  valuePaths: string[];
  options: Set<string>;
}

function checkValue(shape: CommandShape, name: string, value: string | undefined, parsed: Parsed): void {
  const expected: ValueShape | undefined = shape.values?.[name];
  if (!expected) throw refused(`the option ${JSON.stringify(name)} is not allowed for ${shape.words.join(" ")}`);
  if (value === undefined) throw refused(`the option ${name} needs a value`);
  if (expected === "path") parsed.valuePaths.push(value);
  else if (!expected.test(value)) throw refused(`${JSON.stringify(value)} is not an allowed value of ${name}`);
  parsed.options.add(name);
}

/** `-la`, `-n5`, `-uno`: each letter a listed flag, or a valued option taking the rest of the word (or the next word). */
function readBundle(shape: CommandShape, word: string, next: () => string | undefined, parsed: Parsed): void {
  for (let at = 1; at < word.length; at++) {
    const name = `-${word[at]}`;
    const rest = word.slice(at + 1);
    if (shape.values?.[name] && (rest !== "" || !shape.flags?.includes(name))) return checkValue(shape, name, rest === "" ? next() : rest, parsed);
    if (!shape.flags?.includes(name)) throw refused(`the option ${JSON.stringify(word)} is not allowed for ${shape.words.join(" ")}`);
    parsed.options.add(name);
  }
}

function readOption(shape: CommandShape, word: string, next: () => string | undefined, parsed: Parsed): void {
  if (shape.countShortcut && /^-\d{1,9}$/.test(word)) return;
  const equals = word.indexOf("=");
  if (equals > 0) return checkValue(shape, word.slice(0, equals), word.slice(equals + 1), parsed);
  if (shape.flags?.includes(word)) return void parsed.options.add(word);
  if (shape.values?.[word]) return checkValue(shape, word, next(), parsed);
  if (shape.bundles && /^-[A-Za-z0-9]{2,}$/.test(word)) return readBundle(shape, word, next, parsed);
  throw refused(`the option ${JSON.stringify(word)} is not allowed for ${shape.words.join(" ")}`);
}

function parseArguments(shape: CommandShape, words: string[]): Parsed {
  const parsed: Parsed = { operands: [], afterDashDash: [], valuePaths: [], options: new Set() };
  let index = 0;
  const next = () => words[index++];
  while (index < words.length) {
    const word = next()!;
    if (word === "--") {
      if (shape.afterDashDash === "none") throw refused(`${shape.words.join(" ")} takes no "--"`);
      parsed.afterDashDash.push(...words.slice(index));
      break;
    }
    if (word.startsWith("-") && word !== "-") readOption(shape, word, next, parsed);
    else parsed.operands.push(word);
  }
  return parsed;
}

const LINT = /^(-[DWAF]|--(deny|warn|allow|forbid)|(-[DWAF])?[a-z][\w-]{0,100}(::[a-z][\w-]{0,100})?)$/;

/** Checks operands of `kind`; returns the ones that name files (for the guard). */
function operandPaths(kind: OperandKind, words: string[], command: string): string[] {
  if (words.length === 0) return [];
  switch (kind) {
    case "none":
      throw refused(`${command} takes no arguments here, only its listed options`);
    case "paths":
    case "revisions":
    case "pattern-paths":
      return words;
    case "test-ids":
      // pytest node ids: the file before "::" is what the guard checks.
      return words.map((word) => word.split("::")[0]!);
    case "packages":
      // Relative package directories only: an import path could name code outside the repository.
      for (const word of words) if (!/^\.(\/[\w.-]+)*(\/\.\.\.)?$/.test(word)) throw refused(`${JSON.stringify(word)} is not a package directory such as ./... or ./pkg`);
      return words.map((word) => word.replace(/\/\.\.\.$/, ""));
    case "script-args":
      // data: and node: specifiers and URLs would hand the test runner code to load.
      for (const word of words) if (word.includes(":")) throw refused(`${JSON.stringify(word)}: ":" is not allowed in arguments for the test script`);
      return [];
    case "lints":
      for (const word of words) if (!LINT.test(word)) throw refused(`${JSON.stringify(word)} is not a lint level or lint name`);
      return [];
  }
}

/** Repository config must not run programs: no fsmonitor, hooks or optional index writes. */
const GIT_GLOBALS = ["--no-optional-locks", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"];
/** Subcommands that read files or their history, and so get the blocked-path exclusions. */
const GIT_READS = new Set(["status", "diff", "show", "log", "ls-files"]);
/** No external diff program or textconv filter; no gpg (log.showSignature) and no notes, which may hold any blob. */
const GIT_SUB_HARDENING: Record<string, string[]> = {
  diff: ["--no-ext-diff", "--no-textconv"],
  show: ["--no-ext-diff", "--no-textconv", "--no-show-signature", "--no-notes"],
  log: ["--no-ext-diff", "--no-textconv", "--no-show-signature", "--no-notes"],
};

/**
 * Pathspecs leaving out every blocked path. A glob without a slash (`.env*`) is blocked anywhere,
 * so it is excluded from the repository's top (`top` magic), which also covers a workspace below
 * the top; a glob with a slash is relative to the workspace root, which `up` leads back to from
 * the cwd (an exclusion only reaches below the cwd otherwise).
 */
export function blockedPathspecs(blockedGlobs: readonly string[], cwd: string): string[] {
  const up = cwd === "" ? "" : `${cwd.split("/").map(() => "..").join("/")}/`;
  return blockedGlobs.flatMap((glob) => {
    const [magic, pattern] = glob.includes("/") ? ["exclude,glob", `${up}${glob}`] : ["exclude,glob,top", `**/${glob}`];
    return [`:(${magic})${pattern}`, `:(${magic})${pattern}/**`];
  });
}

function hardened(argv: string[], blockedGlobs: readonly string[], cwd: string): string[] {
  if (argv[0] === "rg") return [argv[0], "--no-config", ...argv.slice(1), ...blockedGlobs.map((glob) => `--glob=!${glob}`)];
  if (argv[0] !== "git") return argv;
  const [, sub = "", ...rest] = argv;
  const excludes = GIT_READS.has(sub) ? blockedPathspecs(blockedGlobs, cwd) : [];
  // Without "--" git takes the magic pathspecs as paths after whatever revisions were given.
  return ["git", ...GIT_GLOBALS, sub, ...(GIT_SUB_HARDENING[sub] ?? []), ...rest, ...excludes];
}

/**
 * The argv for a safe-mode command line run in `cwd` (relative to the workspace root), or
 * `command_not_allowed` saying why not.
 *
 * @example
 * parseSafeCommand("ls -la src", [".env*"], "").argv; // ["ls", "-la", "src"]
 */
export function parseSafeCommand(command: string, blockedGlobs: readonly string[], cwd: string): SafeCommand {
  assertNoShellSyntax(command);
  const argv = splitWords(command);
  assertInsideWords(argv);
  const shape = COMMAND_SHAPES.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
  if (!shape) throw refused(`${JSON.stringify(argv.slice(0, 2).join(" ") || command)} is not an allowed command`);
  const name = shape.words.join(" ");
  const parsed = parseArguments(shape, argv.slice(shape.words.length));
  const isGit = argv[0] === "git";
  // rg's first word is the pattern unless -e or --files says otherwise.
  const patternFirst = shape.operands === "pattern-paths" && !["-e", "--regexp", "--files"].some((option) => parsed.options.has(option));
  const operands = patternFirst ? parsed.operands.slice(1) : parsed.operands;
  if (isGit && [...parsed.operands, ...parsed.afterDashDash].some((word) => word.includes(":"))) throw refused(`git "rev:path" and pathspec magic are not allowed`);
  const paths = [...parsed.valuePaths, ...operandPaths(shape.operands, operands, name), ...operandPaths(shape.afterDashDash, parsed.afterDashDash, `${name} --`)];
  const revisions = shape.operands === "revisions" ? parsed.operands : [];
  // ls-files lists only below its cwd; the others read the whole repository unless given a path.
  const namesPath = parsed.afterDashDash.length > 0 || (shape.operands === "paths" && operands.length > 0);
  const needsScope = isGit && GIT_READS.has(argv[1]!) && argv[1] !== "ls-files" && !namesPath;
  return { argv: hardened(argv, blockedGlobs, cwd), paths, revisions, needsScope, cwd };
}

/**
 * The checks a safe git read needs the repository for. A word naming a blob or tree is refused:
 * `git show <blob id>` prints file contents no pathspec can hide (a blocked file's id is one
 * `git ls-files -s` away); commits, branches and tags pass. And in a workspace below the
 * repository's top, a read without a path would show the rest of the repository, so it must
 * name one (`git log -p -- .`).
 */
export async function assertNoFileObjects(cwd: string, command: SafeCommand): Promise<void> {
  let namesPath = false;
  for (const word of command.revisions) {
    // ^{} peels an annotated tag to what it points at, which may itself be a blob.
    const type = await runGit(cwd, ["cat-file", "-t", `${word}^{}`]);
    if (type.code !== 0) namesPath = true;
    else if (["blob", "tree"].includes(type.stdout.trim())) throw refused(`${JSON.stringify(word)} names a file object, not a commit`);
  }
  if (!command.needsScope || namesPath) return;
  const prefix = (await runGit(cwd, ["rev-parse", "--show-prefix"])).stdout.trim();
  const rootPrefix = command.cwd === "" ? prefix : prefix.slice(0, Math.max(0, prefix.length - command.cwd.length - 1));
  if (rootPrefix !== "") throw refused(`the workspace is ${rootPrefix} inside its repository, so name the paths to read after "--" (for example: git log -p -- .)`);
}
