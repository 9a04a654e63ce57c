/**
 * AGENTS.md instruction files: the chain that applies to a path (root first, as Codex reads them)
 * and a short summary of the root file for orientation.
 */
import { stat } from "node:fs/promises";
import * as v from "valibot";
import { isPatchbayError } from "../errors/index.ts";
import { blockedBy } from "./blocked.ts";
import { runGit } from "./git.ts";
import { readInside } from "./guarded-fs.ts";
import type { Workspace } from "./workspace.ts";

/** Per directory, the first of these that exists applies (Codex: an override replaces AGENTS.md). */
const AGENTS_FILE_NAMES = ["AGENTS.override.md", "AGENTS.md"] as const;

const SUMMARY_READ_BYTES = 16_000;
const MAX_HEADINGS = 20;
const MAX_EXCERPT_LINES = 12;
const MAX_LINE_CHARS = 200;
const MAX_LISTED_FILES = 20;

export const agentsSummarySchema = v.object({
  /** The root instruction file, or null when the root has none. */
  path: v.nullable(v.string()),
  headings: v.array(v.string()),
  excerpt: v.array(v.string()),
  bytes: v.number(),
  truncated: v.boolean(),
  /** Every AGENTS.md-style file git sees in the workspace (tracked or not ignored), bounded. */
  files: v.array(v.string()),
});
export type AgentsSummary = v.InferOutput<typeof agentsSummarySchema>;

/** The file a guard admits and that exists as a regular file, or undefined (blocked, escaping, missing). */
async function existingFile(ws: Workspace, relative: string): Promise<{ absolute: string; relative: string } | undefined> {
  try {
    const guarded = await ws.guard(relative);
    if (!guarded.exists || !(await stat(guarded.absolute)).isFile()) return undefined;
    return guarded;
  } catch (error) {
    if (isPatchbayError(error)) return undefined;
    throw error;
  }
}

async function instructionFileIn(ws: Workspace, directory: string): Promise<{ absolute: string; relative: string } | undefined> {
  for (const name of AGENTS_FILE_NAMES) {
    const found = await existingFile(ws, directory ? `${directory}/${name}` : name);
    if (found) return found;
  }
  return undefined;
}

/**
 * The instruction files that apply to `targetPath` (a file or directory, default the root), from
 * the root down to the target's directory, each through the guard.
 *
 * @example
 * await agentsChain(ws, "packages/app/src/main.ts"); // ["AGENTS.md", "packages/app/AGENTS.md"]
 */
export async function agentsChain(ws: Workspace, targetPath?: string): Promise<Array<{ absolute: string; relative: string }>> {
  let directory = "";
  if (targetPath !== undefined && targetPath !== "" && targetPath !== ".") {
    const target = await ws.guard(targetPath);
    const isDirectory = target.exists && (await stat(target.absolute)).isDirectory();
    directory = isDirectory ? target.relative : target.relative.split("/").slice(0, -1).join("/");
  }
  const segments = directory ? directory.split("/") : [];
  const chain: Array<{ absolute: string; relative: string }> = [];
  for (let depth = 0; depth <= segments.length; depth++) {
    const found = await instructionFileIn(ws, segments.slice(0, depth).join("/"));
    if (found) chain.push(found);
  }
  return chain;
}

/** Instruction files anywhere in the workspace, found through git so .gitignore'd trees are skipped. */
async function listedAgentsFiles(ws: Workspace, signal?: AbortSignal): Promise<string[]> {
  const pathspecs = AGENTS_FILE_NAMES.map((name) => `:(glob)**/${name}`);
  const result = await runGit(ws.root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...pathspecs], { maxBytes: 256 * 1024, signal });
  if (result.code !== 0) return [];
  const files = [...new Set(result.stdout.split("\0").filter(Boolean))].filter((path) => !blockedBy(path, ws.blockedGlobs));
  return files.sort().slice(0, MAX_LISTED_FILES);
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

/** Headings and the first lines of the root AGENTS.md, plus where the other instruction files are. */
export async function summarizeAgents(ws: Workspace, signal?: AbortSignal): Promise<AgentsSummary> {
  const root = await instructionFileIn(ws, "");
  const listed = await listedAgentsFiles(ws, signal);
  if (!root) return { path: null, headings: [], excerpt: [], bytes: 0, truncated: false, files: listed };
  const read = await readInside(ws.root, root.absolute, SUMMARY_READ_BYTES);
  const lines = new TextDecoder()
    .decode(read.bytes)
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
  const headings = lines.filter((line) => /^#{1,6}\s/.test(line));
  const excerpt = lines.filter((line) => line.trim() !== "").slice(0, MAX_EXCERPT_LINES);
  return {
    path: root.relative,
    headings: headings.slice(0, MAX_HEADINGS).map(clip),
    excerpt: excerpt.map(clip),
    bytes: read.size,
    truncated: read.truncated || headings.length > MAX_HEADINGS,
    files: listed.includes(root.relative) ? listed : [root.relative, ...listed].slice(0, MAX_LISTED_FILES),
  };
}
