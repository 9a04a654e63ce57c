/**
 * `power_tools.bash_mode = "safe"`: a command line is split into argv without a shell and must
 * start with an allowlisted read-only command or test runner. Anything a shell would interpret,
 * any way out of the repository (`..`, absolute paths, `~`) and options that write files, run
 * programs or reveal ignored and blocked files are refused.
 */
import { PatchbayError } from "../errors/index.ts";
import { splitWords } from "./commands.ts";
import { runGit } from "./git.ts";
import { gitExcludes } from "./tree.ts";

const SCRIPT_NAMES = ["test", "typecheck", "lint", "build", "check"];

/** Allowed commands, as the words they start with. */
export const SAFE_COMMANDS: readonly (readonly string[])[] = [
  ["pwd"],
  ["ls"],
  ["rg"],
  ...["status", "diff", "log", "show", "branch", "rev-parse", "ls-files"].map((sub) => ["git", sub]),
  ...["npm", "pnpm", "yarn", "bun"].flatMap((runner) => [[runner, "test"], ...SCRIPT_NAMES.map((script) => [runner, "run", script])]),
  ["pytest"],
  ["go", "test"],
  ["go", "vet"],
  ...["test", "check", "clippy"].map((sub) => ["cargo", sub]),
  ["tsc"],
  ["eslint"],
  ["biome", "check"],
];

const METACHARACTERS = /[;&|<>$`\\\n\r\0(){}]/;

/** Options refused per command: they write files, run other programs, or bypass ignore and blocked rules. */
const REFUSED_OPTIONS: Record<string, RegExp> = {
  // -L prints a line range of a file, whose path hides inside the option's value.
  git: /^(--(output|ext-diff|textconv|no-index|exec)|-L)/,
  rg: /^(--pre|--hidden|--no-ignore|--unrestricted|--follow|--search-zip|-[A-Za-z]*[uLz.])/,
  eslint: /^--fix/,
  cargo: /^--fix/,
  biome: /^--(write|apply|fix|unsafe)/,
};

/** `git branch` may only list: these flags and no names (a name would create or delete a branch). */
const BRANCH_LIST_FLAGS = new Set(["-a", "-r", "-v", "-vv", "--all", "--remotes", "--verbose", "--list", "--show-current", "--no-color"]);

/** git options that make log print file contents (short ones possibly bundled), which then must leave out blocked paths too. */
const LOG_PATCH_OPTION = /^(-[A-Za-z]*[puWcmU]|--(patch|word-diff|color-words|binary|function-context|unified|cc|full-diff|diff-merges))/;

function refused(why: string): PatchbayError {
  const allowed = SAFE_COMMANDS.map((words) => words.join(" ")).join(", ");
  return new PatchbayError("command_not_allowed", `${why}; safe mode runs only: ${allowed}`, {
    next: "run one allowed command without shell syntax, or ask the operator for power_tools.bash_mode = \"full\"",
    details: { allowed: SAFE_COMMANDS.map((words) => words.join(" ")) },
  });
}

export interface SafeCommand {
  /** git diff/show/log: their non-option words must not name blob or tree objects (see assertNoFileObjects). */
  showsObjects: boolean;
  /** The argv to run: hardened git, and blocked-path exclusions where the command shows file contents. */
  argv: string[];
  /** Arguments that name files: each must pass the workspace guard, relative to the command's cwd. */
  paths: string[];
}

function assertNoShellSyntax(command: string): void {
  const metacharacter = METACHARACTERS.exec(command)?.[0];
  if (metacharacter) throw refused(`${JSON.stringify(metacharacter)} is shell syntax, and safe mode runs no shell`);
  if (command.includes("..")) throw refused(`".." could lead outside the repository`);
  if (command.includes("~")) throw refused(`"~" could lead outside the repository`);
}

function assertAllowedArguments(argv: string[]): void {
  for (const word of argv.slice(1)) {
    if (word.startsWith("/") || word.includes("=/")) throw refused(`${JSON.stringify(word)} is an absolute path`);
    if (REFUSED_OPTIONS[argv[0]!]?.test(word)) throw refused(`the option ${JSON.stringify(word)} is not allowed`);
  }
  if (argv[0] === "git" && argv[1] === "branch" && argv.slice(2).some((word) => !BRANCH_LIST_FLAGS.has(word))) {
    throw refused(`git branch may only list branches (${[...BRANCH_LIST_FLAGS].join(" ")})`);
  }
}

/** Words that are not options name files or revisions; `rev:path` would read a blocked file from history. */
function pathArguments(argv: string[], prefixLength: number): string[] {
  const words = argv.slice(prefixLength).filter((word) => word !== "--" && !word.startsWith("-"));
  if (argv[0] === "git" && words.some((word) => word.includes(":"))) throw refused(`git "rev:path" and pathspec magic are not allowed`);
  return words;
}

/** Repository config must not run programs: no fsmonitor or hooks, no external diff or textconv drivers. */
const GIT_SAFE_CONFIG = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"];

/**
 * git pathspecs are relative to the cwd, and an exclusion only reaches below it: from a
 * subdirectory, `../` leads the exclusions back to the repository root so they cover all of it.
 */
function rootExcludes(blockedGlobs: readonly string[], cwd: string): string[] {
  const up = cwd === "" ? "" : `${cwd.split("/").map(() => "..").join("/")}/`;
  return gitExcludes(blockedGlobs, "", true).map((spec) => spec.replace(")", `)${up}`));
}

/** The argv hardened to run: git without repository-configured programs, and no blocked file printed by git or rg. */
function hardened(argv: string[], blockedGlobs: readonly string[], cwd: string): string[] {
  if (argv[0] === "rg") return [...argv, ...blockedGlobs.map((glob) => `--glob=!${glob}`)];
  if (argv[0] !== "git") return argv;
  const [, sub = "", ...rest] = argv;
  const showsContent = sub === "diff" || sub === "show" || (sub === "log" && rest.some((word) => LOG_PATCH_OPTION.test(word)));
  if (!showsContent) return ["git", ...GIT_SAFE_CONFIG, sub, ...rest];
  return ["git", ...GIT_SAFE_CONFIG, sub, "--no-ext-diff", "--no-textconv", ...rest, ...rootExcludes(blockedGlobs, cwd)];
}

/**
 * The argv for a safe-mode command line run in `cwd` (relative to the repository root), or
 * `command_not_allowed` saying why not.
 *
 * @example
 * parseSafeCommand("ls src", [".env*"], ""); // { argv: ["ls", "src"], paths: ["src"] }
 */
export function parseSafeCommand(command: string, blockedGlobs: readonly string[], cwd: string): SafeCommand {
  assertNoShellSyntax(command);
  const argv = splitWords(command);
  const prefix = SAFE_COMMANDS.find((words) => words.every((word, index) => argv[index] === word));
  if (!prefix) throw refused(`${JSON.stringify(argv.slice(0, 2).join(" ") || command)} is not an allowed command`);
  assertAllowedArguments(argv);
  // Runner arguments go to scripts and test filters, not to file reads of ours; only guard commands that read paths.
  const readsPaths = ["ls", "rg", "git"].includes(argv[0]!);
  const showsObjects = argv[0] === "git" && ["diff", "show", "log"].includes(argv[1]!);
  return { argv: hardened(argv, blockedGlobs, cwd), paths: readsPaths ? pathArguments(argv, prefix.length) : [], showsObjects };
}

/**
 * Refuses words that name a blob or tree: `git show <blob id>` or `git diff <blob> <blob>` print
 * file contents that no pathspec exclusion can hide (a blocked file's id is one `git ls-files -s`
 * away). Commits, branches and tags pass.
 */
export async function assertNoFileObjects(cwd: string, command: SafeCommand): Promise<void> {
  if (!command.showsObjects) return;
  for (const word of command.paths) {
    // ^{} peels an annotated tag to what it points at, which may itself be a blob.
    const type = await runGit(cwd, ["cat-file", "-t", `${word}^{}`]);
    if (type.code === 0 && ["blob", "tree"].includes(type.stdout.trim())) throw refused(`${JSON.stringify(word)} names a file object, not a commit`);
  }
}
