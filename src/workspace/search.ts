/**
 * Text search across a repository with `git grep`: tracked and untracked files, .gitignore
 * honoured, binaries skipped, blocked paths excluded by pathspec so git never opens them, and git
 * stopped once its output holds the answer. Outside a git work tree the same search runs as
 * `git grep --no-index`, which likewise never follows symlinks. A literal search of a small
 * repository reads the files in this process instead (search-files.ts: same files, same answer,
 * no spawn); no regular expression ever runs in this process: a catastrophic one would stall the
 * whole server, while git is a child we can kill. Every match is checked against the blocked
 * globs, and each of git's lines against the file opened safely (search-confirm.ts), before it is kept.
 */
import { PatchbayError } from "../errors/index.ts";
import { blockedBy } from "./blocked.ts";
import { runGit, type GitResult } from "./git.ts";
import { lineConfirmer } from "./search-confirm.ts";
import { searchFilesInProcess } from "./search-files.ts";
import { LIMITS } from "./limits.ts";
import { missingPath } from "./near-files.ts";
import { escapeGlob, gitExcludes, isHiddenBelow, isNotGitRepo } from "./tree.ts";
import type { Workspace } from "./workspace.ts";

export interface SearchOptions {
  /** A literal string, or a regular expression when `regex`. One line. */
  query: string;
  /** File or directory to search, relative to the repository root; the root when empty. */
  path?: string;
  /** File filter relative to `path`: `*.ts` matches names at any depth, `src/**\/*.ts` whole paths. */
  glob?: string;
  regex?: boolean;
  includeHidden?: boolean;
  /** Clamped to LIMITS.searchMaxResults. Default LIMITS.searchResults. */
  maxResults?: number;
  signal?: AbortSignal;
}

export interface SearchMatch {
  /** Relative to the repository root. */
  path: string;
  /** 1-based. */
  line: number;
  /** The matching line, clipped around the match when longer than MAX_LINE_CHARS. */
  text: string;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** True when more matches existed than `maxResults`. */
  truncated: boolean;
  /** `git` inside a git work tree, `no-index` (`git grep --no-index`) outside one. */
  engine: "git" | "no-index";
}

const MAX_LINE_CHARS = 300;
/** Bytes of git grep output allowed per requested match before git is stopped; long lines use more. */
const GREP_BYTES_PER_RESULT = 4096;
const GREP_MIN_BYTES = 256 * 1024;

/** Whether this git has PCRE (`-P`); learned from the first regex search, then `-E` is used without it. */
let gitHasPcre: boolean | undefined;

function invalidArgument(argument: string, message: string, next: string): PatchbayError {
  return new PatchbayError("invalid_arguments", `${argument}: ${message}`, { next });
}

function assertSingleLine(query: string): void {
  if (query.includes("\n") || query.includes("\0")) throw invalidArgument("query", "must be a single line without NUL bytes", "search for one line at a time");
}

function assertSafeGlob(glob: string): void {
  if (glob.includes("\0") || glob.startsWith("/") || glob.split("/").includes("..")) {
    throw invalidArgument(
      "glob",
      `${JSON.stringify(glob)} must be a relative pattern inside the repository`,
      "pass a pattern such as *.ts or src/**/*.test.ts",
    );
  }
}

/** The line, or a window of it around the match (git's 1-based byte column) when it is very long (minified code). */
function clipLine(line: string, column: number): string {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (text.length <= MAX_LINE_CHARS) return text;
  const at = new TextDecoder().decode(new TextEncoder().encode(text).subarray(0, Math.max(0, column - 1))).length;
  const from = Math.max(0, Math.min(at - MAX_LINE_CHARS / 3, text.length - MAX_LINE_CHARS));
  return `${from > 0 ? "…" : ""}${text.slice(from, from + MAX_LINE_CHARS)}${from + MAX_LINE_CHARS < text.length ? "…" : ""}`;
}

/** The positive pathspec: `base` literally, narrowed by `glob` (a name at any depth when it has no slash). */
function scopePathspecs(base: string, glob: string | undefined): string[] {
  if (!glob) return base === "" ? [] : [`:(literal)${base}`];
  const prefix = base === "" ? "" : `${escapeGlob(base)}/`;
  return [`:(glob)${prefix}${glob.includes("/") ? glob : `**/${glob}`}`];
}

interface GrepRecord {
  path: string;
  line: number;
  column: number;
  text: string;
}

/**
 * Where the `path\0line\0column\0text\n` record at `at` ends each field (a path may hold any byte
 * but NUL, a line any but newline), or undefined while it is incomplete. Text and bytes alike:
 * NUL and newline never occur inside a UTF-8 sequence.
 */
function recordBounds(output: { indexOf(value: string, from?: number): number }, at: number): [number, number, number, number] | undefined {
  const pathEnd = output.indexOf("\0", at);
  const lineEnd = pathEnd === -1 ? -1 : output.indexOf("\0", pathEnd + 1);
  const columnEnd = lineEnd === -1 ? -1 : output.indexOf("\0", lineEnd + 1);
  const textEnd = columnEnd === -1 ? -1 : output.indexOf("\n", columnEnd + 1);
  return textEnd === -1 ? undefined : [pathEnd, lineEnd, columnEnd, textEnd];
}

/** Parses git grep's records; a record cut by the byte cap is dropped. */
function* grepRecords(output: string): Generator<GrepRecord> {
  for (let at = 0, bounds = recordBounds(output, 0); bounds; bounds = recordBounds(output, at)) {
    const [pathEnd, lineEnd, columnEnd, textEnd] = bounds;
    const [line, column] = [Number(output.slice(pathEnd + 1, lineEnd)), Number(output.slice(lineEnd + 1, columnEnd))];
    yield { path: output.slice(at, pathEnd), line, column, text: output.slice(columnEnd + 1, textEnd) };
    at = textEnd + 1;
  }
}

/**
 * runGit's `stopWhen` for a search: git is stopped once its output holds more records that may
 * be shown than the answer takes, so a search with many matches reads only the files before them
 * (git grep prints in path order whatever its threads do) instead of the whole repository.
 */
function enoughRecords(wanted: number, isShown: (path: string) => boolean): { stopWhen: (chunk: Buffer) => boolean; reached: () => boolean } {
  let rest = Buffer.alloc(0);
  let shown = 0;
  return {
    stopWhen(chunk) {
      const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let at = 0;
      for (let bounds = recordBounds(data, 0); bounds; bounds = recordBounds(data, at)) {
        if (isShown(data.subarray(at, bounds[0]).toString("utf8"))) shown++;
        at = bounds[3] + 1;
      }
      rest = Buffer.from(data.subarray(at));
      return shown > wanted;
    },
    reached: () => shown > wanted,
  };
}

export type GrepSyntax = "-F" | "-P" | "-E";

/**
 * The `git grep` arguments of a search (after runGit's safety options), exported for the bench.
 *
 * @example
 * runGit(root, grepArgs("git", "-F", "TODO", gitExcludes(blockedGlobs, "", false)));
 */
export function grepArgs(engine: SearchResult["engine"], syntax: GrepSyntax, query: string, pathspecs: readonly string[]): string[] {
  // Explicit --column and --no-full-name: a user's grep.* config must not change the output we parse.
  const flags = ["-n", "--column", "-I", "--null", "--no-color", "--no-full-name", "--exclude-standard", engine === "git" ? "--untracked" : "--no-index"];
  return ["-c", "grep.fallbackToNoIndex=false", "grep", ...flags, syntax, "-e", query, "--", ...pathspecs];
}

/** Runs the search in git's index and work tree, or with `--no-index` outside git; -P falls back to -E when git lacks PCRE. */
async function runGrep(
  ws: Workspace,
  options: SearchOptions,
  base: string,
  maxResults: number,
  stopWhen?: (chunk: Buffer) => boolean,
): Promise<{ result: GitResult; engine: SearchResult["engine"] }> {
  const pathspecs = [...scopePathspecs(base, options.glob), ...gitExcludes(ws.blockedGlobs, base, options.includeHidden ?? false)];
  const grep = (engine: SearchResult["engine"], syntax: GrepSyntax) =>
    runGit(ws.root, grepArgs(engine, syntax, options.query, pathspecs), {
      maxBytes: Math.max(GREP_MIN_BYTES, maxResults * GREP_BYTES_PER_RESULT),
      signal: options.signal,
      stopWhen,
    });
  const search = async (engine: SearchResult["engine"]) => {
    if (!options.regex) return grep(engine, "-F");
    if (gitHasPcre !== false) {
      const result = await grep(engine, "-P");
      gitHasPcre = !/perl-compatible|USE_LIBPCRE/i.test(result.stderr);
      if (gitHasPcre) return result;
    }
    return grep(engine, "-E");
  };
  const result = await search("git");
  return result.code > 1 && isNotGitRepo(result.stderr) ? { result: await search("no-index"), engine: "no-index" } : { result, engine: "git" };
}

/** git's failure as an error; a pattern it cannot compile ("-e option, '<pattern>': <why>") or run names `query`. */
function grepFailure(result: GitResult): PatchbayError {
  const reason = result.stderr.trim().split("\n").pop() ?? `exit ${result.code}`;
  const pattern = /-e option, '.*': (.*)$/.exec(reason);
  if (pattern)
    return invalidArgument("query", `not a valid regular expression: ${pattern[1]}`, "fix the pattern, or pass regex: false to search for the text literally");
  // PCRE gives up on runaway backtracking instead of running for ever; that is the pattern's fault too.
  if (/pcre2?_\w+ failed/.test(reason))
    return invalidArgument(
      "query",
      `the regular expression is too costly to run (${reason.replace(/^fatal: /, "")})`,
      "simplify the pattern: nested quantifiers such as (a+)+ backtrack without end",
    );
  return new PatchbayError("git_failed", `git grep failed: ${reason}`, { next: "check the repository with codex_git_status" });
}

/** The authority on what may be shown, whatever git's pathspecs let through. */
function isSearchable(ws: Workspace, path: string, base: string, includeHidden: boolean): boolean {
  return !blockedBy(path, ws.blockedGlobs) && (includeHidden || !isHiddenBelow(path, base));
}

const shownMatch = (record: GrepRecord): SearchMatch => ({ path: record.path, line: record.line, text: clipLine(record.text, record.column) });

/**
 * git's records that may be shown, at most `maxResults`: in a path `isShown` lets through, and
 * (`confirm`) held by the file opened safely at that line (search-confirm.ts).
 */
async function keptMatches(
  records: GrepRecord[],
  maxResults: number,
  isShown: (path: string) => boolean,
  confirm: (record: GrepRecord) => Promise<boolean>,
): Promise<{ matches: SearchMatch[]; more: boolean }> {
  const allowed = new Map<string, boolean>();
  const candidates = records.filter((record) => {
    let ok = allowed.get(record.path);
    if (ok === undefined) allowed.set(record.path, (ok = isShown(record.path)));
    return ok;
  });
  // The checks that can fill the answer start together.
  const confirmed = candidates.slice(0, maxResults + 1).map((record) => confirm(record));
  const matches: SearchMatch[] = [];
  for (const [at, record] of candidates.entries()) {
    if (!(await (confirmed[at] ?? confirm(record)))) continue;
    if (matches.length === maxResults) return { matches, more: true };
    matches.push(shownMatch(record));
  }
  return { matches, more: false };
}

/**
 * Searches the repository for `options.query` (literal unless `regex`, then PCRE, or POSIX ERE
 * when git lacks PCRE), returning at most `maxResults` matching lines with path and line number.
 * Skips ignored, binary, blocked and (unless `includeHidden`) hidden files. Refuses a bad regex
 * or glob with `invalid_arguments`.
 *
 * @example
 * const { matches, truncated } = await searchRepo(ws, { query: "openWorkspace(", glob: "*.ts" });
 */
export async function searchRepo(ws: Workspace, options: SearchOptions): Promise<SearchResult> {
  assertSingleLine(options.query);
  if (options.glob !== undefined) assertSafeGlob(options.glob);
  const maxResults = Math.max(1, Math.min(options.maxResults ?? LIMITS.searchResults, LIMITS.searchMaxResults));
  const base = await ws.guard(options.path || ".");
  if (!base.exists) throw await missingPath(ws, base.relative, "search an existing directory (codex_repo_tree lists them)", { kind: "folder" });
  const isShown = (path: string) => isSearchable(ws, path, base.relative, options.includeHidden ?? false);
  if (!options.regex && options.glob === undefined) {
    // isShown depends on the blocked globs, includeHidden and the base (a dot directory searched by name is not hidden): that is its key.
    const shownKey = JSON.stringify([ws.blockedGlobs, options.includeHidden ?? false, base.relative]);
    const found = await searchFilesInProcess(ws.root, {
      query: options.query,
      base: base.relative,
      isShown,
      shownKey,
      enough: maxResults,
      signal: options.signal,
    });
    // Its lines come only from files isShown let through, read through the safe open: all may be shown.
    if (found) return { matches: found.slice(0, maxResults).map(shownMatch), truncated: found.length > maxResults, engine: "git" };
  }
  const search = async (stopWhen?: (chunk: Buffer) => boolean) => {
    const { result, engine } = await runGrep(ws, options, base.relative, maxResults, stopWhen);
    // git grep exits 1 when nothing matched: that is an answer, not a failure.
    if (result.code > 1) throw grepFailure(result);
    const records = [...grepRecords(result.stdout)];
    const kept = await keptMatches(records, maxResults, isShown, lineConfirmer(ws.root, records));
    return { answer: { matches: kept.matches, truncated: kept.more || result.truncated, engine }, more: kept.more };
  };
  const early = enoughRecords(maxResults, isShown);
  const first = await search(early.stopWhen);
  // Stopped early, then some matches fell to the link checks: the whole search decides.
  return early.reached() && !first.more ? (await search()).answer : first.answer;
}
