/**
 * A context pack: everything an agent or a chat needs about one place in a repository, in one
 * bounded bundle: the AGENTS.md chain down to a path, selected files, git status (and diff), and
 * the `.ai-bridge/` handoff files. Used by codex_load_context and `patchbay context bundle`.
 */
import * as v from "valibot";
import { isPatchbayError } from "../errors/index.ts";
import { agentsChain } from "./agents-md.ts";
import { findGitRepo, gitDiff, gitDiffSchema, gitStatus, gitStatusSchema } from "./git-views.ts";
import { readInside } from "./guarded-fs.ts";
import { LIMITS } from "./limits.ts";
import { AI_BRIDGE_DIR, aiBridgeSchema, aiBridgeState } from "./orientation.ts";
import type { Workspace } from "./workspace.ts";

const packFile = v.object({ path: v.string(), content: v.string(), bytes: v.number(), size: v.number(), truncated: v.boolean() });
const skippedFile = v.object({ path: v.string(), code: v.string(), reason: v.string() });
export const contextPackSchema = v.object({
  target_path: v.string(),
  agents_files: v.array(packFile),
  selected_files: v.array(packFile),
  /** Files left out: blocked, outside the root, missing, binary, or no room left (`context_full`). */
  skipped: v.array(skippedFile),
  /** Null when not asked for or when the workspace is not a git repository (`is_git_repo` says which). */
  git: v.nullable(v.object({ status: gitStatusSchema, diff: v.nullable(gitDiffSchema) })),
  is_git_repo: v.boolean(),
  ai_bridge: v.nullable(v.object({ state: aiBridgeSchema, files: v.array(packFile) })),
  bytes: v.number(),
  max_bytes: v.number(),
  truncated: v.boolean(),
});
export type ContextPack = v.InferOutput<typeof contextPackSchema>;
type PackFile = v.InferOutput<typeof packFile>;
type Skipped = v.InferOutput<typeof skippedFile>;

export interface ContextPackOptions {
  /** The file or directory the AGENTS.md chain leads to; default the root. */
  targetPath?: string;
  /** Files to include, relative to the root; each is guarded, and a refused one is skipped, not fatal. */
  selectedPaths?: readonly string[];
  /** Include `.ai-bridge/` state and its Markdown files (default true). */
  includeAiBridge?: boolean;
  /** Include git status (default true). */
  includeGit?: boolean;
  /** Include the unstaged diff (default false; only with includeGit). */
  includeDiff?: boolean;
  /** Cap per file (default and maximum LIMITS.readBytes). */
  maxFileBytes?: number;
  /** Cap for the whole pack (default and maximum LIMITS.contextBytes). */
  maxTotalBytes?: number;
  signal?: AbortSignal;
}

/** Bytes left in the pack; every read takes from it. */
interface Budget {
  remaining: number;
  perFile: number;
  truncated: boolean;
}

/** Reads one guarded file within the budget, or says why it was skipped. */
async function readPackFile(ws: Workspace, path: string, budget: Budget): Promise<PackFile | Skipped> {
  if (budget.remaining <= 0) {
    budget.truncated = true;
    return { path, code: "context_full", reason: "the pack reached its byte limit" };
  }
  try {
    const guarded = await ws.guard(path);
    const read = await readInside(ws.root, guarded.absolute, Math.min(budget.perFile, budget.remaining));
    if (read.binary) return { path: guarded.relative, code: "binary", reason: "binary files are not included" };
    budget.remaining -= read.bytes.length;
    budget.truncated ||= read.truncated;
    return { path: guarded.relative, content: new TextDecoder().decode(read.bytes), bytes: read.bytes.length, size: read.size, truncated: read.truncated };
  } catch (error) {
    // Guard refusals and file-system errors (permissions, a file removed meanwhile) skip one file.
    if (!isPatchbayError(error) && !(error as NodeJS.ErrnoException).code) throw error;
    return { path, code: isPatchbayError(error) ? error.code : "unreadable", reason: (error as Error).message };
  }
}

async function readAll(ws: Workspace, paths: readonly string[], budget: Budget, skipped: Skipped[]): Promise<PackFile[]> {
  const files: PackFile[] = [];
  for (const path of paths) {
    const result = await readPackFile(ws, path, budget);
    if ("content" in result) files.push(result);
    else skipped.push(result);
  }
  return files;
}

async function gitPart(ws: Workspace, options: ContextPackOptions, budget: Budget): Promise<ContextPack["git"]> {
  const status = await gitStatus(ws, { signal: options.signal });
  if (!options.includeDiff) return { status, diff: null };
  const diff = await gitDiff(ws, { maxBytes: Math.max(budget.remaining, 0), signal: options.signal });
  budget.remaining -= diff.bytes;
  budget.truncated ||= diff.truncated;
  return { status, diff };
}

/**
 * Builds a context pack for `ws`. Order of the byte budget: AGENTS.md chain, selected files,
 * `.ai-bridge/` Markdown files, then the diff; whatever no longer fits is listed in `skipped`
 * (or the diff is `truncated`) and the pack's `truncated` is true.
 *
 * @example
 * const ws = await openWorkspace(context.session.scope, context.app, "/srv/repo");
 * const pack = await buildContextPack(ws, { targetPath: "src/app.ts", selectedPaths: ["src/app.ts"], includeDiff: true });
 * console.log(renderContextPack(pack));
 */
export async function buildContextPack(ws: Workspace, options: ContextPackOptions = {}): Promise<ContextPack> {
  const maxBytes = Math.min(options.maxTotalBytes ?? LIMITS.contextBytes, LIMITS.contextBytes);
  const budget: Budget = { remaining: maxBytes, perFile: Math.min(options.maxFileBytes ?? LIMITS.readBytes, LIMITS.readBytes), truncated: false };
  const skipped: Skipped[] = [];
  const chain = await agentsChain(ws, options.targetPath);
  const agentsFiles = await readAll(
    ws,
    chain.map((file) => file.relative),
    budget,
    skipped,
  );
  const selectedFiles = await readAll(ws, options.selectedPaths ?? [], budget, skipped);
  let aiBridge: ContextPack["ai_bridge"] = null;
  if (options.includeAiBridge !== false) {
    const state = await aiBridgeState(ws);
    const markdown = state.entries.filter((entry) => entry.kind === "file" && entry.name.endsWith(".md")).map((entry) => `${AI_BRIDGE_DIR}/${entry.name}`);
    aiBridge = { state, files: await readAll(ws, markdown, budget, skipped) };
  }
  const isGitRepo = (await findGitRepo(ws.root, options.signal)) !== undefined;
  const git = options.includeGit !== false && isGitRepo ? await gitPart(ws, options, budget) : null;
  return {
    target_path: options.targetPath ?? "",
    agents_files: agentsFiles,
    selected_files: selectedFiles,
    skipped,
    git,
    is_git_repo: isGitRepo,
    ai_bridge: aiBridge,
    bytes: maxBytes - Math.max(budget.remaining, 0),
    max_bytes: maxBytes,
    truncated: budget.truncated,
  };
}

/** A Markdown fence longer than any backtick run in `text`, so file contents cannot close it early. */
function fenced(text: string, info = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${text}${text.endsWith("\n") ? "" : "\n"}${fence}`;
}

function fileSection(file: PackFile): string {
  const note = file.truncated ? ` (first ${file.bytes} of ${file.size} bytes)` : "";
  return `### ${file.path}${note}\n\n${fenced(file.content)}`;
}

/**
 * The pack as Markdown for pasting into a chat. The caller redacts it (tool results are redacted
 * by the registry; the CLI must run it through the redactor itself).
 */
export function renderContextPack(pack: ContextPack): string {
  const parts = [`# Context pack${pack.target_path ? ` for ${pack.target_path}` : ""}`];
  if (pack.agents_files.length > 0) parts.push("## Instructions (AGENTS.md, root first)", ...pack.agents_files.map(fileSection));
  if (pack.selected_files.length > 0) parts.push("## Files", ...pack.selected_files.map(fileSection));
  if (pack.git) {
    const { status, diff } = pack.git;
    parts.push("## Git", `Branch: ${status.branch ?? "(detached)"}${status.clean ? ", clean" : ""}`);
    if (status.short.length > 0) parts.push(fenced(status.short.join("\n")));
    if (diff && diff.diff) parts.push(`### Diff${diff.truncated ? " (truncated)" : ""}`, fenced(diff.diff, "diff"));
  }
  if (pack.ai_bridge?.files.length) parts.push(`## ${AI_BRIDGE_DIR}`, ...pack.ai_bridge.files.map(fileSection));
  if (pack.skipped.length > 0) parts.push("## Skipped", pack.skipped.map((file) => `- ${file.path}: ${file.code} (${file.reason})`).join("\n"));
  if (pack.truncated) parts.push(`_The pack reached its limit of ${pack.max_bytes} bytes; some content was cut._`);
  return `${parts.join("\n\n")}\n`;
}
