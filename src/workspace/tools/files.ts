/**
 * The file context tools: codex_repo_tree, codex_read_file and codex_search_repo. Read-only, every
 * path through the workspace guard. Each text carries the payload too (a compact listing, the
 * file's lines, the matches), since some hosts show the model only the text.
 */
import * as v from "valibot";
import { codexProAlias, READ_ONLY, repoPathArg, ROOT_ALIASES } from "./args.ts";
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { LIMITS } from "../limits.ts";
import { readFileSlice } from "../read.ts";
import { searchRepo } from "../search.ts";
import { listTree, type TreeEntry } from "../tree.ts";
import { defineWorkspaceTool } from "./workspace-tool.ts";

const positive = (description: string) => v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(description)));

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function shown(path: string): string {
  return path === "" ? "the repository root" : path;
}

function treeLine(entry: TreeEntry): string {
  if (entry.type === "dir") return `${entry.path}/`;
  return entry.type === "symlink" ? `${entry.path} (symlink)` : `${entry.path} (${entry.size} B)`;
}

export const repoTree = defineWorkspaceTool({
  name: "codex_repo_tree",
  title: "Repository tree",
  description: `The repository's files and directories, shallowest first (default depth ${LIMITS.treeDepth}, ${LIMITS.treeEntries} entries), without .gitignored, blocked or dot entries.`,
  input: v.strictObject({
    repo_path: repoPathArg,
    path: v.optional(v.pipe(v.string(), v.description("Directory to list (default: the root)."))),
    max_depth: positive("1: direct children only."),
    max_entries: positive(`At most ${LIMITS.treeMaxEntries}.`),
    include_hidden: v.optional(v.pipe(v.boolean(), v.description("Include dot entries."))),
  }),
  output: v.object({
    path: v.string(),
    entries: v.array(v.object({ path: v.string(), type: v.picklist(["file", "dir", "symlink"]), size: v.optional(v.number()) })),
    truncated: v.boolean(),
    counts: v.object({ files: v.number(), dirs: v.number(), symlinks: v.number() }),
    source: v.picklist(["git", "walk"]),
  }),
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  aliases: [{ name: "tree", argumentAliases: ROOT_ALIASES }],
  labels: { invoking: "Listing files", invoked: "Files listed" },
  async handler(args, context, ws) {
    const listing = await listTree(ws, {
      path: args.path,
      maxDepth: args.max_depth,
      maxEntries: args.max_entries,
      includeHidden: args.include_hidden,
      signal: context.signal,
    });
    const { files, dirs, symlinks } = listing.counts;
    const summary = `${plural(files, "file", "files")}, ${plural(dirs, "directory", "directories")}${symlinks ? `, ${plural(symlinks, "symlink", "symlinks")}` : ""} under ${shown(listing.path)}.`;
    const more = listing.truncated ? "\nTruncated: narrow with path or max_depth, or raise max_entries." : "";
    return { text: `${summary}\n${listing.entries.map(treeLine).join("\n")}${more}`, structured: listing };
  },
});

const readInput = {
  repo_path: repoPathArg,
  start_line: positive("1-based."),
  end_line: positive("Inclusive."),
  max_bytes: positive(`At most ${LIMITS.readBytes}.`),
};

const readFileInput = { ...readInput, file_path: v.pipe(v.string(), v.description("Relative to the repository root.")) };

export const readFile = defineWorkspaceTool({
  name: "codex_read_file",
  title: "Read file",
  description: "Read a text file of the repository, or a line range; a cut file says truncated and next_start_line. Binary files are summarized.",
  input: v.strictObject(readFileInput),
  output: v.object({
    path: v.string(),
    size: v.number(),
    binary: v.boolean(),
    truncated: v.boolean(),
    content: v.string(),
    start_line: v.optional(v.number()),
    end_line: v.optional(v.number()),
    total_lines: v.optional(v.number()),
    next_start_line: v.optional(v.number()),
  }),
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["minimal", "worker", "standard", "full"],
  aliases: [codexProAlias("read", readFileInput, { renames: { path: "file_path" } })],
  labels: { invoking: "Reading file", invoked: "File read" },
  async handler(args, _context, ws) {
    const slice = await readFileSlice(ws, args.file_path, { startLine: args.start_line, endLine: args.end_line, maxBytes: args.max_bytes });
    if (slice.binary) return { text: `${slice.path} is a binary file of ${slice.size} bytes; its content is not shown.`, structured: slice };
    if (slice.total_lines === 0) return { text: `${slice.path} is empty.`, structured: slice };
    const of = slice.total_lines === undefined ? "" : ` of ${slice.total_lines}`;
    const next = slice.next_start_line === undefined ? "" : `; continue with start_line ${slice.next_start_line}`;
    const header = `${slice.path}, lines ${slice.start_line}-${slice.end_line}${of}${slice.truncated ? " (truncated)" : ""}${next}:`;
    return { text: `${header}\n${slice.content}`, structured: slice };
  },
});

export const searchRepoTool = defineWorkspaceTool({
  name: "codex_search_repo",
  title: "Search repository",
  description: "Search text files for literal text or a regex: matching lines with path and line number. Skips .gitignored, binary and dot files.",
  input: v.strictObject({
    repo_path: repoPathArg,
    query: v.pipe(v.string(), v.minLength(1), v.maxLength(1000), v.description("Literal text, or a regex with regex: true.")),
    path: v.optional(v.pipe(v.string(), v.description("File or directory to search."))),
    glob: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(500), v.description("e.g. *.ts (any depth) or src/**/*.ts."))),
    regex: v.optional(v.pipe(v.boolean(), v.description("Perl-compatible regex."))),
    include_hidden: v.optional(v.pipe(v.boolean(), v.description("Also dot files."))),
    max_results: positive(`At most ${LIMITS.searchMaxResults}.`),
  }),
  output: v.object({
    query: v.string(),
    regex: v.boolean(),
    matches: v.array(v.object({ path: v.string(), line: v.number(), text: v.string() })),
    truncated: v.boolean(),
    engine: v.picklist(["git", "no-index"]),
  }),
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  aliases: [{ name: "search", argumentAliases: ROOT_ALIASES }],
  labels: { invoking: "Searching", invoked: "Search done" },
  async handler(args, context, ws) {
    const regex = args.regex ?? false;
    const result = await searchRepo(ws, {
      query: args.query,
      path: args.path,
      glob: args.glob,
      regex,
      includeHidden: args.include_hidden,
      maxResults: args.max_results,
      signal: context.signal,
    });
    const what = regex ? `/${args.query}/` : JSON.stringify(args.query);
    const more = result.truncated ? " Truncated: there are more; narrow with path or glob, or raise max_results." : "";
    const summary = `${plural(result.matches.length, "matching line", "matching lines")} for ${what}.${more}`;
    const lines = result.matches.map((match) => `${match.path}:${match.line}: ${match.text}`);
    return { text: [summary, ...lines].join("\n"), structured: { query: args.query, regex, ...result } };
  },
});

/** The file context tools, for the catalog. */
export const FILE_TOOLS: readonly ToolDeclaration[] = [repoTree, readFile, searchRepoTool];
