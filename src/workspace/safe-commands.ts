/**
 * `power_tools.bash_mode = "safe"`: a command line is split into argv without a shell and must
 * match one of the argument shapes in safe-command-shapes.ts: an allowlisted command, only its
 * listed options, and operands of the kind it expects. Anything a shell would interpret and any
 * way out of the repository (`..`, absolute paths, `~`) is refused before that. git runs without
 * repository-configured programs and with blocked paths excluded by pathspec.
 */
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { splitWords } from "./commands.ts";
import { runGit } from "./git.ts";
import { COMMAND_SHAPES, type CommandShape, type OperandKind, type ValueShape } from "./safe-command-shapes.ts";
import type { Workspace } from "./workspace.ts";

/** Allowed commands, as the words they start with. */
export const SAFE_COMMANDS: readonly (readonly string[])[] = COMMAND_SHAPES.map((shape) => shape.words);

const METACHARACTERS = /[;&|<>$`\\\n\r\0(){}]/;

/** `command_not_allowed`; with the command's shape, the options it does accept go along in details. */
function refused(why: string, shape?: CommandShape): PatchbayError {
  const allowed = SAFE_COMMANDS.map((words) => words.join(" "));
  const options = shape && [...(shape.flags ?? []), ...Object.keys(shape.values ?? {}).map((name) => `${name} <value>`)];
  return new PatchbayError("command_not_allowed", `${why}; safe mode runs only: ${[...new Set(allowed)].join(", ")}`, {
    next: shape
      ? `use only the options ${shape.words.join(" ")} accepts in safe mode (details.options), or ask the operator for power_tools.bash_mode = "full"`
      : 'run one allowed command without shell syntax, or ask the operator for power_tools.bash_mode = "full"',
    details: { allowed, ...(options && { options }) },
  });
}

/** A command line checked against its shape, before the checks that need the file system or git. */
export interface SafeCommand {
  argv: string[];
  /** Words that name files (operands, paths after `--`, path-valued options): each must pass the workspace guard, relative to the cwd. */
  paths: string[];
  /** git diff/show/log words before `--`: each a commit, or else a path (see prepareSafeCommand). */
  revisions: string[];
  /** The caller limited the command to paths: after `--`, or operands of a command that takes only paths. */
  pathLimited: boolean;
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
  if (!expected) throw refused(`the option ${JSON.stringify(name)} is not allowed for ${shape.words.join(" ")}`, shape);
  if (value === undefined) throw refused(`the option ${name} needs a value`, shape);
  if (expected === "path") parsed.valuePaths.push(value);
  else if (!expected.test(value)) throw refused(`${JSON.stringify(value)} is not an allowed value of ${name}`, shape);
  parsed.options.add(name);
}

/** `-la`, `-n5`, `-uno`: each letter a listed flag, or a valued option taking the rest of the word (or the next word). */
function readBundle(shape: CommandShape, word: string, next: () => string | undefined, parsed: Parsed): void {
  for (let at = 1; at < word.length; at++) {
    const name = `-${word[at]}`;
    const rest = word.slice(at + 1);
    if (shape.values?.[name] && (rest !== "" || !shape.flags?.includes(name))) {
      checkValue(shape, name, rest === "" ? next() : rest, parsed);
      return;
    }
    if (!shape.flags?.includes(name)) throw refused(`the option ${JSON.stringify(word)} is not allowed for ${shape.words.join(" ")}`, shape);
    parsed.options.add(name);
  }
}

function readOption(shape: CommandShape, word: string, next: () => string | undefined, parsed: Parsed): void {
  if (shape.countShortcut && /^-\d{1,9}$/.test(word)) return;
  const equals = word.indexOf("=");
  if (equals > 0) checkValue(shape, word.slice(0, equals), word.slice(equals + 1), parsed);
  else if (shape.flags?.includes(word)) parsed.options.add(word);
  else if (shape.values?.[word]) checkValue(shape, word, next(), parsed);
  else if (shape.bundles && /^-[A-Za-z0-9]{2,}$/.test(word)) readBundle(shape, word, next, parsed);
  else throw refused(`the option ${JSON.stringify(word)} is not allowed for ${shape.words.join(" ")}`, shape);
}

function parseArguments(shape: CommandShape, words: string[]): Parsed {
  const parsed: Parsed = { operands: [], afterDashDash: [], valuePaths: [], options: new Set() };
  let index = 0;
  const next = () => words[index++];
  while (index < words.length) {
    const word = next()!;
    if (word === "--") {
      if (shape.afterDashDash === "none") throw refused(`${shape.words.join(" ")} takes no "--"`, shape);
      parsed.afterDashDash.push(...words.slice(index));
      break;
    }
    if (word.startsWith("-") && word !== "-") readOption(shape, word, next, parsed);
    else parsed.operands.push(word);
  }
  return parsed;
}

const LINT = /^(-[DWAF]|--(deny|warn|allow|forbid)|(-[DWAF])?[a-z][\w-]{0,100}(::[a-z][\w-]{0,100})?)$/;
/** A test name filter, or one of libtest's flags that only change what runs and how it prints (not --logfile, which writes). */
const TEST_FILTER = /^([\w:][\w:.-]{0,200}|--(nocapture|exact|ignored|include-ignored|show-output|quiet)|-q|--test-threads=\d{1,4})$/;

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
      for (const word of words)
        if (!/^\.(\/[\w.-]+)*(\/\.\.\.)?$/.test(word)) throw refused(`${JSON.stringify(word)} is not a package directory such as ./... or ./pkg`);
      return words.map((word) => word.replace(/\/\.\.\.$/, ""));
    case "script-args":
      // data: and node: specifiers and URLs would hand the test runner code to load.
      for (const word of words) if (word.includes(":")) throw refused(`${JSON.stringify(word)}: ":" is not allowed in arguments for the test script`);
      return [];
    case "test-filters":
      for (const word of words) if (!TEST_FILTER.test(word)) throw refused(`${JSON.stringify(word)} is not a test name filter or a libtest display flag`);
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

/** The way from the cwd back up to the workspace root ("" at the root, "../" from one level down). */
function upToRoot(cwd: string): string {
  return cwd === ""
    ? ""
    : `${cwd
        .split("/")
        .map(() => "..")
        .join("/")}/`;
}

/**
 * Pathspecs leaving out every blocked path. A glob without a slash (`.env*`) is blocked anywhere,
 * so it is excluded from the repository's top (`top` magic), which also covers a workspace below
 * the top; a glob with a slash is relative to the workspace root, which `up` leads back to from
 * the cwd (an exclusion only reaches below the cwd otherwise). `icase`: the guard blocks `.ENV`
 * as `.env` too.
 */
export function blockedPathspecs(blockedGlobs: readonly string[], cwd: string): string[] {
  return blockedGlobs.flatMap((glob) => {
    const [magic, pattern] = glob.includes("/") ? ["exclude,glob,icase", `${upToRoot(cwd)}${glob}`] : ["exclude,glob,icase,top", `**/${glob}`];
    return [`:(${magic})${pattern}`, `:(${magic})${pattern}/**`];
  });
}

/** git's glob pathspecs know no braces or extglobs: a blocked glob using them would not be excluded, so git reads are refused. */
function assertExpressibleGlobs(blockedGlobs: readonly string[]): void {
  const glob = blockedGlobs.find((candidate) => /[{}()]/.test(candidate));
  if (glob === undefined) return;
  throw new PatchbayError(
    "command_not_allowed",
    `repositories.blocked_globs holds ${JSON.stringify(glob)}, which git pathspecs cannot exclude, so safe mode runs no git read`,
    {
      next: "write the blocked glob without braces or extglobs (one glob per alternative), or use codex_git_status and codex_git_diff",
    },
  );
}

/**
 * Checks a safe-mode command line against its shape: `command_not_allowed` says why not.
 *
 * @example
 * parseSafeCommand("ls -la src"); // { argv: ["ls", "-la", "src"], paths: ["src"], revisions: [], pathLimited: true }
 */
export function parseSafeCommand(command: string): SafeCommand {
  assertNoShellSyntax(command);
  const argv = splitWords(command);
  assertInsideWords(argv);
  const shape = COMMAND_SHAPES.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
  if (!shape) throw refused(`${JSON.stringify(argv.slice(0, 2).join(" ") || command)} is not an allowed command`);
  const name = shape.words.join(" ");
  const parsed = parseArguments(shape, argv.slice(shape.words.length));
  // rg's first word is the pattern unless -e or --files says otherwise.
  const patternFirst = shape.operands === "pattern-paths" && !["-e", "--regexp", "--files"].some((option) => parsed.options.has(option));
  const operands = patternFirst ? parsed.operands.slice(1) : parsed.operands;
  if (argv[0] === "git" && [...parsed.operands, ...parsed.afterDashDash].some((word) => word.includes(":")))
    throw refused(`git "rev:path" and pathspec magic are not allowed`);
  const paths = [
    ...parsed.valuePaths,
    ...operandPaths(shape.operands, operands, name),
    ...operandPaths(shape.afterDashDash, parsed.afterDashDash, `${name} --`),
  ];
  const revisions = shape.operands === "revisions" ? parsed.operands : [];
  const pathLimited = parsed.afterDashDash.length > 0 || (shape.operands === "paths" && operands.length > 0);
  return { argv, paths, revisions, pathLimited };
}

/**
 * True when a word before `--` is a path rather than revisions (a commit, `A..B`, `^A`). A word
 * naming a blob or tree is refused: `git show <blob id>` prints file contents no pathspec can
 * hide (a blocked file's id is one `git ls-files -s` away); commits, branches and tags pass.
 */
async function revisionsNamePaths(cwd: string, words: string[]): Promise<boolean> {
  let namesPath = false;
  for (const word of words) {
    // --revs-only prints the objects a revision expression names, and nothing for a path.
    const ids = (await runGit(cwd, ["rev-parse", "--revs-only", word])).stdout.split("\n").filter(Boolean);
    if (ids.length === 0) namesPath = true;
    for (const id of ids) {
      // ^{} peels an annotated tag to what it points at, which may itself be a blob.
      const type = await runGit(cwd, ["cat-file", "-t", `${id.replace(/^\^/, "")}^{}`]);
      if (["blob", "tree"].includes(type.stdout.trim())) throw refused(`${JSON.stringify(word)} names a file object, not a commit`);
    }
  }
  return namesPath;
}

/**
 * A git read the caller did not limit to paths is limited to the workspace: the root (ls-files:
 * the cwd, which it lists anyway), so a workspace below the repository's top sees nothing else.
 * At the top, log keeps every commit (`--full-history --sparse`) although the exclusions would
 * hide commits that change only blocked files; their diffs still leave those files out.
 */
async function workspaceScope(sub: string, cwd: { absolute: string; relative: string }): Promise<string[]> {
  const scope = sub === "ls-files" ? "." : upToRoot(cwd.relative) || ".";
  if (sub !== "log") return ["--", scope];
  const prefix = (await runGit(cwd.absolute, ["rev-parse", "--show-prefix"])).stdout.trim();
  const atTop = prefix === (cwd.relative === "" ? "" : `${cwd.relative}/`);
  return [...(atTop ? ["--full-history", "--sparse"] : []), "--", scope];
}

/**
 * The argv to run for a safe-mode command line in `cwd` (inside `ws`): the shape checked, every
 * path through the workspace guard, git hardened (no repository-configured programs, blocked
 * paths excluded by pathspec, limited to the workspace) and rg told to skip blocked paths.
 *
 * @example
 * await prepareSafeCommand(ws, { absolute: ws.root, relative: "" }, "git diff HEAD~1");
 * // ["git", "--no-optional-locks", …, "diff", "--no-ext-diff", "--no-textconv", "HEAD~1", "--", ".", ":(exclude,glob,icase,top)**\/.env*", …]
 */
export async function prepareSafeCommand(ws: Workspace, cwd: { absolute: string; relative: string }, command: string): Promise<string[]> {
  const safe = parseSafeCommand(command);
  for (const path of safe.paths) await ws.guard(join(cwd.relative, path));
  const [program, sub = ""] = safe.argv;
  // Last, so they win over the caller's globs; --iglob, as the guard blocks `.ENV` like `.env`.
  if (program === "rg") return ["rg", "--no-config", ...safe.argv.slice(1), ...ws.blockedGlobs.map((glob) => `--iglob=!${glob}`)];
  if (program !== "git") return safe.argv;
  const argv = ["git", ...GIT_GLOBALS, sub, ...(GIT_SUB_HARDENING[sub] ?? []), ...safe.argv.slice(2)];
  if (!GIT_READS.has(sub)) return argv;
  assertExpressibleGlobs(ws.blockedGlobs);
  const excludes = blockedPathspecs(ws.blockedGlobs, cwd.relative);
  // After the caller's own paths, with or without "--": git takes magic pathspecs as paths.
  if (safe.pathLimited || (await revisionsNamePaths(cwd.absolute, safe.revisions))) return [...argv, ...excludes];
  return [...argv, ...(await workspaceScope(sub, cwd)), ...excludes];
}
