/**
 * The `.ai-bridge/` handoff folder: a chat writes a plan, a local agent carries it out, and both
 * sides read its status and the resulting diff. Writes go only to `.ai-bridge/<flat-name>`, through
 * the workspace guard and guarded-fs, and never carry secret-looking content.
 */
import { promises as fsp } from "node:fs";
import { PatchbayError } from "../errors/index.ts";
import type { SessionScope } from "../mcp/index.ts";
import { buildContextPack, renderContextPack } from "./context-pack.ts";
import { headCommit, workingTreeDiff, type WorkingTreeDiff } from "./diffs.ts";
import { refuseSecretContent } from "./edit.ts";
import { readInside, writeInside } from "./guarded-fs.ts";
import { LIMITS } from "./limits.ts";
import { AI_BRIDGE_DIR } from "./orientation.ts";
import { workspaceIn, type Workspace } from "./workspace.ts";

export const PLAN_FILE = "current-plan.md";
export const STATUS_FILE = "handoff-status.json";
export const DIFF_FILE = "handoff-diff.patch";

/** Largest plan accepted, in characters. */
export const MAX_PLAN_CHARS = 200_000;

/** A file name directly inside `.ai-bridge/`: no directories, no `..`, nothing hidden. */
const FLAT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

/** The last time a local agent ran the plan (`patchbay handoff execute`). */
export interface HandoffRun {
  agent: string;
  command: string[];
  started_at: string;
  finished_at?: string;
  exit_code?: number | null;
  signal?: string | null;
  /** The plan's modification time when the run started: `watch` runs again when it changes. */
  plan_mtime_ms: number;
  diff_file?: string;
  changed_files?: number;
}

/** `.ai-bridge/handoff-status.json`. */
export interface HandoffStatus {
  plan_file: string;
  title?: string;
  agent?: string;
  model?: string;
  written_at?: string;
  written_by?: string;
  /** HEAD when the plan was written: the handoff diff is taken against it. */
  base_head?: string;
  run?: HandoffRun;
}

/**
 * A workspace for the CLI: `root` is the only allowed root, checked by the same path guard the
 * tools use.
 */
export function openLocalWorkspace(root: string, blockedGlobs: readonly string[]): Promise<Workspace> {
  const scope: SessionScope = { defaultRoot: root, allowedRoots: [root], power: { directWrite: false, bashMode: "off", codexSessionRead: false } };
  return workspaceIn(scope, blockedGlobs, root);
}

function assertFlatName(name: string): void {
  if (FLAT_NAME.test(name) && !name.includes("..")) return;
  throw new PatchbayError("invalid_bridge_name", `${JSON.stringify(name)} is not a plain file name inside ${AI_BRIDGE_DIR}/`, {
    next: "start with a letter or digit; use letters, digits, '.', '_' and '-' only: no directories, no '..'",
  });
}

/** The guarded location of `.ai-bridge/<name>`; refuses nested names and a redirected folder. */
export async function bridgePath(ws: Workspace, name: string): Promise<{ absolute: string; relative: string; exists: boolean }> {
  assertFlatName(name);
  const target = await ws.guard(`${AI_BRIDGE_DIR}/${name}`);
  // A .ai-bridge symlinked elsewhere inside the repository would turn handoff writes into repository writes.
  if (target.relative !== `${AI_BRIDGE_DIR}/${name}`) {
    throw new PatchbayError("path_invalid", `${AI_BRIDGE_DIR}/${name} leads to ${target.relative}`, {
      next: `make ${AI_BRIDGE_DIR} a plain directory, not a link`,
    });
  }
  return target;
}

/** Writes `.ai-bridge/<name>` atomically, creating the folder; returns the repository-relative path. */
export async function writeBridgeFile(ws: Workspace, name: string, content: string, redact: (text: string) => string): Promise<string> {
  const target = await bridgePath(ws, name);
  refuseSecretContent(content, redact, `${AI_BRIDGE_DIR}/${name}`);
  await writeInside(ws.root, target.absolute, content, { createDirs: true });
  return target.relative;
}

/** A bridge file's text (at most `maxBytes`), or undefined when it does not exist. */
export async function readBridgeFile(
  ws: Workspace,
  name: string,
  maxBytes: number = LIMITS.readBytes,
): Promise<{ text: string; truncated: boolean; mtimeMs: number } | undefined> {
  const target = await bridgePath(ws, name);
  if (!target.exists) return undefined;
  const file = await readInside(ws.root, target.absolute, maxBytes);
  const { mtimeMs } = await fsp.stat(target.absolute);
  return { text: new TextDecoder().decode(file.bytes), truncated: file.truncated, mtimeMs };
}

/** The status record; a damaged one reads as just the plan's location, so a new write repairs it. */
export async function readHandoffStatus(ws: Workspace): Promise<HandoffStatus | undefined> {
  const file = await readBridgeFile(ws, STATUS_FILE);
  if (!file) return undefined;
  try {
    return { ...(JSON.parse(file.text) as HandoffStatus), plan_file: `${AI_BRIDGE_DIR}/${PLAN_FILE}` };
  } catch {
    return { plan_file: `${AI_BRIDGE_DIR}/${PLAN_FILE}` };
  }
}

export async function writeHandoffStatus(ws: Workspace, status: HandoffStatus, redact: (text: string) => string): Promise<string> {
  return writeBridgeFile(ws, STATUS_FILE, `${JSON.stringify(status, null, 2)}\n`, redact);
}

export interface PlanRequest {
  plan: string;
  title?: string;
  agent?: string;
  model?: string;
  append?: boolean;
  /** Who wrote it: a client_ref, or "cli". */
  by: string;
}

function planHeader(request: PlanRequest, at: string, base: string | undefined): string {
  const facts = [
    request.agent && `agent: ${request.agent}`,
    request.model && `model: ${request.model}`,
    `written: ${at} by ${request.by}`,
    `base commit: ${base ?? "none"}`,
  ];
  return `# ${request.title ?? "Handoff plan"}\n\n${facts
    .filter(Boolean)
    .map((fact) => `- ${fact}`)
    .join("\n")}\n\n`;
}

/**
 * Writes `.ai-bridge/current-plan.md` (or appends an update to it) and records HEAD in the status,
 * so the handoff diff later shows what changed since. A new plan clears the previous run.
 *
 * @example
 * await writePlan(ws, { plan: "1. Add a test", title: "Tests", agent: "codex", by: "cli" }, redact);
 */
export async function writePlan(
  ws: Workspace,
  request: PlanRequest,
  redact: (text: string) => string,
): Promise<{ plan_file: string; status_file: string; base_head: string | null; appended: boolean; bytes: number }> {
  const at = new Date().toISOString();
  const previous = request.append ? await readHandoffStatus(ws) : undefined;
  const existing = request.append ? await readBridgeFile(ws, PLAN_FILE, MAX_PLAN_CHARS * 4) : undefined;
  if (existing?.truncated)
    throw new PatchbayError("plan_too_large", `${AI_BRIDGE_DIR}/${PLAN_FILE} is too large to append to`, { next: "write a new plan without append" });
  const base = previous?.base_head ?? (await headCommit(ws.root));
  const content = existing
    ? `${existing.text.trimEnd()}\n\n---\n\n## Update${request.title ? `: ${request.title}` : ""} (${at}, by ${request.by})\n\n${request.plan.trimEnd()}\n`
    : `${planHeader(request, at, base)}${request.plan.trimEnd()}\n`;
  const planFile = await writeBridgeFile(ws, PLAN_FILE, content, redact);
  const status: HandoffStatus = {
    plan_file: planFile,
    title: request.title ?? previous?.title,
    agent: request.agent ?? previous?.agent,
    model: request.model ?? previous?.model,
    written_at: at,
    written_by: request.by,
    base_head: base,
  };
  const statusFile = await writeHandoffStatus(ws, status, redact);
  return { plan_file: planFile, status_file: statusFile, base_head: base ?? null, appended: existing !== undefined, bytes: Buffer.byteLength(content) };
}

/** What changed in the working tree since the plan was written (since HEAD when there is no plan). */
export async function handoffDiff(ws: Workspace, maxBytes: number): Promise<WorkingTreeDiff & { base_head: string | null; head: string | null }> {
  const status = await readHandoffStatus(ws);
  const head = await headCommit(ws.root);
  const base = status?.base_head ?? head;
  const diff = await workingTreeDiff(ws.root, ws.blockedGlobs, base, maxBytes);
  return { ...diff, base_head: base ?? null, head: head ?? null };
}

export interface ExportRequest {
  name: string;
  targetPath?: string;
  selectedPaths?: readonly string[];
  includeDiff?: boolean;
  /** The handoff state and plan (default false: earlier packs never nest into a new one). */
  includeAiBridge?: boolean;
  includeGit?: boolean;
  maxFileBytes?: number;
  signal?: AbortSignal;
}

/**
 * Writes a context pack (AGENTS.md chain, selected files, git status and optionally the diff) to
 * `.ai-bridge/context-<name>.md`. Earlier `.ai-bridge/` files are left out, so packs never nest.
 */
export async function exportContext(
  ws: Workspace,
  request: ExportRequest,
  redact: (text: string) => string,
): Promise<{ file: string; bytes: number; truncated: boolean; skipped: string[] }> {
  assertFlatName(request.name);
  const name = `context-${request.name.replace(/\.md$/, "")}.md`;
  const pack = await buildContextPack(ws, {
    targetPath: request.targetPath,
    selectedPaths: request.selectedPaths,
    includeDiff: request.includeDiff,
    includeAiBridge: request.includeAiBridge ?? false,
    includeGit: request.includeGit,
    maxFileBytes: request.maxFileBytes,
    signal: request.signal,
  });
  const markdown = renderContextPack(pack);
  const file = await writeBridgeFile(ws, name, markdown, redact);
  return { file, bytes: Buffer.byteLength(markdown), truncated: pack.truncated, skipped: pack.skipped.map((entry) => `${entry.path}: ${entry.code}`) };
}
