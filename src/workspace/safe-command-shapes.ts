/**
 * The argument shapes `power_tools.bash_mode = "safe"` accepts, per command: an allowlist of
 * options (and of their values) and what the other words mean. Anything not listed is refused, so
 * an option a tool gains later (or one we never thought of) is refused too. Left out on purpose:
 * options that run or load caller-chosen programs (`--script-shell`, `--node-options`, `rg --pre`,
 * `go test -exec`, `pytest -p`, `eslint --plugin`), read or write outside the repository
 * (`--prefix`, `--manifest-path`, `git --no-index`), follow symlinks (`ls -L`, `rg --follow`), set
 * configuration (`-c`, `--config`, `--rootdir`), or turn file contents into answers (`git log -G/-S`).
 * `npx` has no safe shape (it runs any package, fetched from the registry) and is not listed.
 */

/** What an option's value may be: a pattern it must match, or a path the workspace guard checks. */
export type ValueShape = RegExp | "path";

/**
 * What a word that is not an option means: `paths` (each guarded), `revisions` (git commits or
 * paths, each guarded and checked not to name a blob or tree), `pattern-paths` (rg: a pattern,
 * then paths), `test-ids` (pytest: paths, optionally `::test`), `packages` (go: `.`, `./dir`
 * or `./dir/...`), `script-args` (handed to the project's own test script, no `:`),
 * `test-filters` (cargo test: names like `tests::parse` and libtest's display flags), `lints`
 * (clippy lint levels), `none`.
 */
export type OperandKind = "none" | "paths" | "revisions" | "pattern-paths" | "test-ids" | "packages" | "script-args" | "test-filters" | "lints";

export interface CommandShape {
  /** The words the command starts with. */
  words: readonly string[];
  /** Options without a value. */
  flags?: readonly string[];
  /** Options with a value (`--name=value`, `--name value`, and `-nvalue` when bundled). */
  values?: Readonly<Record<string, ValueShape>>;
  /** Short options may be bundled (`-la`, `-n5`); off for tools whose single-dash options are long (`go test -run`). */
  bundles?: boolean;
  /** `git log -5`: a dash and a number stand for `-n 5`. */
  countShortcut?: boolean;
  operands: OperandKind;
  /** What follows `--`; `none` refuses it. */
  afterDashDash: OperandKind;
}

const NUMBER = /^\d{1,9}$/;
const WORD = /^[\w.@+-]{1,200}$/;
/** Free text (a test name, a search pattern, an author); the shell checks already ran on it. */
const TEXT = /^[^\0]{0,1000}$/;
/** A git pretty format: %G placeholders verify signatures, which runs gpg.program from the repository's config. */
const GIT_FORMAT = /^(?![\s\S]*%G)[^\0]{1,1000}$/;

const GIT_DIFF_OUTPUT = {
  flags: [
    "-p",
    "--patch",
    "-s",
    "--no-patch",
    "--stat",
    "--numstat",
    "--shortstat",
    "--name-only",
    "--name-status",
    "--summary",
    "--compact-summary",
    "--patch-with-stat",
    "--no-color",
    "--no-renames",
    "-w",
    "--ignore-all-space",
    "-b",
    "--ignore-space-change",
    "--ignore-blank-lines",
    "--ignore-space-at-eol",
    "--minimal",
    "--patience",
    "--histogram",
    "-R",
    "--exit-code",
    "--quiet",
    "--abbrev",
  ],
  values: { "-U": NUMBER, "--unified": NUMBER, "--stat": /^\d{1,4}(,\d{1,4}){0,2}$/, "--diff-filter": /^[ACDMRTUXBacdmrtuxb*]{1,20}$/, "--color": /^never$/ },
};
const GIT_COMMIT_FORMAT = {
  flags: ["--oneline", "--abbrev-commit", "--no-abbrev-commit", "--decorate", "--no-decorate", "--date-order", "--topo-order"],
  values: { "--format": GIT_FORMAT, "--pretty": GIT_FORMAT, "--date": /^[\w-]{1,40}$/, "--decorate": /^(short|full|auto|no)$/ },
};

const git = (sub: string, shape: Omit<CommandShape, "words" | "bundles">): CommandShape => ({ words: ["git", sub], bundles: true, ...shape });

const GIT_SHAPES: CommandShape[] = [
  git("status", {
    flags: ["-s", "--short", "-b", "--branch", "--porcelain", "--long", "-z", "--no-renames", "--show-stash", "--ahead-behind", "--no-ahead-behind", "-u"],
    values: { "--porcelain": /^v[12]$/, "-u": /^(no|normal|all)$/, "--untracked-files": /^(no|normal|all)$/ },
    operands: "paths",
    afterDashDash: "paths",
  }),
  git("diff", {
    flags: [...GIT_DIFF_OUTPUT.flags, "--cached", "--staged", "--merge-base"],
    values: GIT_DIFF_OUTPUT.values,
    operands: "revisions",
    afterDashDash: "paths",
  }),
  git("show", {
    flags: [...GIT_DIFF_OUTPUT.flags, ...GIT_COMMIT_FORMAT.flags],
    values: { ...GIT_DIFF_OUTPUT.values, ...GIT_COMMIT_FORMAT.values },
    operands: "revisions",
    afterDashDash: "paths",
  }),
  git("log", {
    flags: [
      ...GIT_DIFF_OUTPUT.flags,
      ...GIT_COMMIT_FORMAT.flags,
      "--graph",
      "--all",
      "--branches",
      "--tags",
      "--reverse",
      "--first-parent",
      "--no-merges",
      "--merges",
    ],
    values: {
      ...GIT_DIFF_OUTPUT.values,
      ...GIT_COMMIT_FORMAT.values,
      "-n": NUMBER,
      "--max-count": NUMBER,
      "--skip": NUMBER,
      "--author": TEXT,
      "--committer": TEXT,
      "--since": TEXT,
      "--until": TEXT,
      "--after": TEXT,
      "--before": TEXT,
    },
    countShortcut: true,
    operands: "revisions",
    afterDashDash: "paths",
  }),
  // Names would create, rename or delete branches: only listing flags.
  git("branch", {
    flags: ["-a", "-r", "-v", "-vv", "--all", "--remotes", "--verbose", "--list", "--show-current", "--no-color"],
    operands: "none",
    afterDashDash: "none",
  }),
  git("rev-parse", {
    flags: [
      "--abbrev-ref",
      "--short",
      "--verify",
      "--quiet",
      "-q",
      "--show-toplevel",
      "--show-prefix",
      "--show-cdup",
      "--is-inside-work-tree",
      "--symbolic-full-name",
      "--git-dir",
      "--absolute-git-dir",
    ],
    values: { "--short": NUMBER },
    operands: "revisions",
    afterDashDash: "none",
  }),
  git("ls-files", {
    flags: [
      "-c",
      "--cached",
      "-m",
      "--modified",
      "-o",
      "--others",
      "-d",
      "--deleted",
      "--exclude-standard",
      "-z",
      "--full-name",
      "-t",
      "-s",
      "--stage",
      "--directory",
    ],
    operands: "paths",
    afterDashDash: "paths",
  }),
];

/** Package-manager options before `--` are its own configuration (`--script-shell`, `--node-options`, `--prefix`): only silence. */
const SCRIPT_RUNNER = { flags: ["--silent", "-s"], operands: "script-args", afterDashDash: "script-args" } as const;
const SCRIPT_NAMES = ["test", "typecheck", "lint", "build", "check"];

const CARGO = {
  flags: [
    "--workspace",
    "--all",
    "--lib",
    "--bins",
    "--tests",
    "--examples",
    "--all-targets",
    "--all-features",
    "--no-default-features",
    "--release",
    "-q",
    "--quiet",
    "-v",
    "--verbose",
    "--locked",
    "--offline",
    "--frozen",
  ],
  values: {
    "-p": WORD,
    "--package": WORD,
    "--features": /^[\w\-/,]{1,500}$/,
    "-F": /^[\w\-/,]{1,500}$/,
    "--bin": WORD,
    "--test": WORD,
    "--example": WORD,
    "-j": NUMBER,
    "--jobs": NUMBER,
    "--profile": WORD,
  },
  operands: "none",
} as const;

/** The commands safe mode runs, each with the argument shapes it accepts. */
export const COMMAND_SHAPES: readonly CommandShape[] = [
  { words: ["pwd"], operands: "none", afterDashDash: "none" },
  {
    words: ["ls"],
    flags: [
      "-a",
      "-A",
      "-l",
      "-h",
      "-1",
      "-R",
      "-t",
      "-r",
      "-S",
      "-d",
      "-F",
      "-p",
      "-i",
      "-s",
      "-n",
      "-g",
      "-o",
      "--all",
      "--almost-all",
      "--human-readable",
      "--recursive",
      "--reverse",
      "--classify",
      "--directory",
      "--group-directories-first",
    ],
    values: { "--color": /^(never|auto)$/, "--sort": /^(none|name|size|time|version|extension)$/ },
    bundles: true,
    operands: "paths",
    afterDashDash: "paths",
  },
  {
    words: ["rg"],
    flags: [
      "-i",
      "--ignore-case",
      "-S",
      "--smart-case",
      "-s",
      "--case-sensitive",
      "-F",
      "--fixed-strings",
      "-w",
      "--word-regexp",
      "-x",
      "--line-regexp",
      "-v",
      "--invert-match",
      "-l",
      "--files-with-matches",
      "--files-without-match",
      "-c",
      "--count",
      "-n",
      "--line-number",
      "-N",
      "--no-line-number",
      "-o",
      "--only-matching",
      "--heading",
      "--no-heading",
      "-H",
      "--with-filename",
      "-I",
      "--no-filename",
      "--files",
      "--json",
      "--vimgrep",
      "--column",
      "-q",
      "--quiet",
      "--stats",
      "-U",
      "--multiline",
      "-P",
      "--pcre2",
    ],
    values: {
      "-e": TEXT,
      "--regexp": TEXT,
      "-g": TEXT,
      "--glob": TEXT,
      "-t": WORD,
      "--type": WORD,
      "-T": WORD,
      "--type-not": WORD,
      "-A": NUMBER,
      "-B": NUMBER,
      "-C": NUMBER,
      "--after-context": NUMBER,
      "--before-context": NUMBER,
      "--context": NUMBER,
      "-m": NUMBER,
      "--max-count": NUMBER,
      "-d": NUMBER,
      "--max-depth": NUMBER,
      "--sort": /^(path|modified|accessed|created|none)$/,
      "--color": /^never$/,
    },
    bundles: true,
    operands: "pattern-paths",
    afterDashDash: "paths",
  },
  ...GIT_SHAPES,
  ...["npm", "pnpm", "yarn"].flatMap((runner) => [
    { words: [runner, "test"], ...SCRIPT_RUNNER },
    ...SCRIPT_NAMES.map((script) => ({ words: [runner, "run", script], ...SCRIPT_RUNNER })),
  ]),
  // `bun test` is bun's own runner, not a script: its options `--preload`, `--define`, `--coverage-dir` and `-u` are left out.
  {
    words: ["bun", "test"],
    flags: ["--bail", "--only", "--todo"],
    values: { "-t": TEXT, "--test-name-pattern": TEXT, "--timeout": NUMBER, "--rerun-each": NUMBER, "--bail": NUMBER },
    operands: "paths",
    afterDashDash: "paths",
  },
  ...SCRIPT_NAMES.map((script): CommandShape => ({ words: ["bun", "run", script], ...SCRIPT_RUNNER })),
  {
    words: ["pytest"],
    flags: [
      "-q",
      "--quiet",
      "-v",
      "--verbose",
      "-x",
      "--exitfirst",
      "-s",
      "-l",
      "--showlocals",
      "--lf",
      "--last-failed",
      "--ff",
      "--failed-first",
      "--sw",
      "--stepwise",
      "--co",
      "--collect-only",
      "--no-header",
      "--strict-markers",
    ],
    values: {
      "-k": TEXT,
      "-m": TEXT,
      "--maxfail": NUMBER,
      "--tb": /^(auto|long|short|line|native|no)$/,
      "-r": /^[fEsxXpPaAN]{1,12}$/,
      "--durations": NUMBER,
      "-n": /^(\d{1,4}|auto|logical)$/,
    },
    bundles: true,
    operands: "test-ids",
    afterDashDash: "test-ids",
  },
  {
    words: ["go", "test"],
    flags: ["-v", "-short", "-race", "-failfast", "-cover", "-json", "-benchmem"],
    values: {
      "-run": TEXT,
      "-skip": TEXT,
      "-count": NUMBER,
      "-timeout": /^[\d.hms]{1,20}$/,
      "-bench": TEXT,
      "-benchtime": /^[\d.xhms]{1,20}$/,
      "-parallel": NUMBER,
      "-cpu": /^[\d,]{1,50}$/,
      "-list": TEXT,
      "-tags": /^[\w.,]{1,200}$/,
      "-shuffle": /^(on|off|\d{1,19})$/,
    },
    operands: "packages",
    afterDashDash: "none",
  },
  { words: ["go", "vet"], flags: ["-json"], operands: "packages", afterDashDash: "none" },
  {
    words: ["cargo", "test"],
    ...CARGO,
    flags: [...CARGO.flags, "--no-fail-fast", "--doc", "--no-run"],
    operands: "test-filters",
    afterDashDash: "test-filters",
  },
  { words: ["cargo", "check"], ...CARGO, afterDashDash: "none" },
  // After `--` clippy hands words to the compiler: only lint levels.
  { words: ["cargo", "clippy"], ...CARGO, afterDashDash: "lints" },
  // `--build` follows project references wherever they point; `-p` names a project the guard checks.
  {
    words: ["tsc"],
    flags: [
      "--noEmit",
      "--pretty",
      "--listFiles",
      "--extendedDiagnostics",
      "--diagnostics",
      "--strict",
      "--showConfig",
      "--explainFiles",
      "--skipLibCheck",
      "--noEmitOnError",
    ],
    values: { "-p": "path", "--project": "path", "--pretty": /^(true|false)$/ },
    operands: "paths",
    afterDashDash: "none",
  },
  // Built-in formatters only: any other --format value is a module eslint loads and runs.
  {
    words: ["eslint"],
    flags: ["--quiet", "--no-warn-ignored", "--color", "--no-color", "--no-error-on-unmatched-pattern", "--report-unused-disable-directives", "--fix-dry-run"],
    values: { "--max-warnings": /^-?\d{1,9}$/, "-f": /^(stylish|json|json-with-metadata|html)$/, "--format": /^(stylish|json|json-with-metadata|html)$/ },
    operands: "paths",
    afterDashDash: "paths",
  },
  {
    words: ["biome", "check"],
    flags: ["--no-errors-on-unmatched", "--error-on-warnings", "--verbose"],
    values: {
      "--max-diagnostics": NUMBER,
      "--diagnostic-level": /^(info|warn|error)$/,
      "--reporter": /^(json|json-pretty|summary|github|junit|gitlab)$/,
      "--colors": /^(off|force)$/,
    },
    operands: "paths",
    afterDashDash: "paths",
  },
];
