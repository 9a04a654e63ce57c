/**
 * Direct writes and exact-match edits of repository files (power_tools.direct_write). Paths go
 * through the workspace guard, bytes through guarded-fs; callers hold the repository lock.
 */
import { promises as fsp } from "node:fs";
import { dirname } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { textDiff } from "./diffs.ts";
import { readInside, writeInside } from "./guarded-fs.ts";
import { LIMITS } from "./limits.ts";
import { missingPath } from "./near-files.ts";
import type { Workspace } from "./workspace.ts";

/** Largest file written or edited, in bytes: a chat should not replace a lockfile wholesale. */
export const MAX_EDIT_BYTES = 2_000_000;

/**
 * Refuses text the redactor would change: a write must not plant a credential in a repository
 * (or in `.ai-bridge/`, which is pasted into chats).
 */
export function refuseSecretContent(text: string, redact: (text: string) => string, what: string): void {
  if (redact(text) === text) return;
  throw new PatchbayError("secret_content_refused", `${what} looks like it contains a secret (an API key, token or private key)`, {
    next: "remove the secret and reference it by environment variable name instead",
  });
}

export interface FileChange {
  path: string;
  bytes: number;
  diff: string;
  diff_truncated: boolean;
}

async function modeOf(path: string): Promise<number | undefined> {
  const info = await fsp.lstat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new PatchbayError("not_a_file", `${path} is a directory`, { next: "pass a file path" });
  return info?.mode;
}

const permissionBits = (mode: number | undefined) => (mode === undefined ? undefined : mode & 0o7777);

/** The current text of a file to edit or overwrite; binary or oversized files are refused. */
async function readText(ws: Workspace, absolute: string, relative: string): Promise<string> {
  const file = await readInside(ws.root, absolute, MAX_EDIT_BYTES);
  if (file.truncated)
    throw new PatchbayError("file_too_large", `${relative} is larger than ${MAX_EDIT_BYTES} bytes`, { next: "edit large files through an agent job" });
  if (file.binary) throw new PatchbayError("binary_file", `${relative} is a binary file`, { next: "only text files can be written or edited directly" });
  return new TextDecoder().decode(file.bytes);
}

/**
 * Writes `content` to `filePath`. An existing file is replaced only with `overwrite`; a missing
 * parent directory is created only with `createDirs`.
 */
export async function writeRepoFile(
  ws: Workspace,
  request: { file_path: string; content: string; create_dirs?: boolean; overwrite?: boolean },
  redact: (text: string) => string,
): Promise<FileChange & { created: boolean }> {
  const target = await ws.guard(request.file_path);
  if (target.relative === "") throw new PatchbayError("not_a_file", "the repository root is a directory", { next: "pass a file path" });
  refuseSecretContent(request.content, redact, `the content for ${target.relative}`);
  const mode = await modeOf(target.absolute);
  const exists = mode !== undefined;
  if (exists && !request.overwrite) {
    throw new PatchbayError("file_exists", `${target.relative} already exists`, {
      next: "pass overwrite: true to replace it, or use codex_edit_file to change part of it",
    });
  }
  if (!request.create_dirs && !(await fsp.stat(dirname(target.absolute)).catch(() => undefined))) {
    throw new PatchbayError("not_found", `the directory of ${target.relative} does not exist`, { next: "pass create_dirs: true to create it" });
  }
  const before = exists ? await readText(ws, target.absolute, target.relative) : undefined;
  // A replaced file keeps its mode (an executable script stays executable).
  await writeInside(ws.root, target.absolute, request.content, { createDirs: request.create_dirs, mode: permissionBits(mode) });
  const { diff, truncated } = await textDiff(target.relative, before, request.content, LIMITS.diffBytes);
  return { path: target.relative, created: !exists, bytes: Buffer.byteLength(request.content), diff, diff_truncated: truncated };
}

function occurrences(text: string, search: string): number {
  return text.split(search).length - 1;
}

/** How many places to replace, or the error that says why the edit is ambiguous or missing. */
function replacementCount(found: number, path: string, request: { replace_all?: boolean; expected_replacements?: number }): number {
  if (found === 0)
    throw new PatchbayError("edit_no_match", `old_text was not found in ${path}`, {
      next: "read the file again (codex_read_file) and copy old_text exactly, including whitespace",
    });
  if (request.expected_replacements !== undefined && found !== request.expected_replacements) {
    throw new PatchbayError("edit_not_unique", `old_text occurs ${found} time(s) in ${path}, not ${request.expected_replacements} as expected`, {
      next: "adjust expected_replacements, or make old_text longer so it matches only the places you mean",
      details: { occurrences: found },
    });
  }
  if (found > 1 && !request.replace_all && request.expected_replacements === undefined) {
    throw new PatchbayError("edit_not_unique", `old_text occurs ${found} times in ${path}`, {
      next: "include more surrounding text so it matches once, or pass replace_all: true",
      details: { occurrences: found },
    });
  }
  return found;
}

/** Replaces the exact text `old_text` in a file: once, or every occurrence when asked. */
export async function editRepoFile(
  ws: Workspace,
  request: { file_path: string; old_text: string; new_text: string; replace_all?: boolean; expected_replacements?: number },
  redact: (text: string) => string,
): Promise<FileChange & { replacements: number }> {
  const target = await ws.guard(request.file_path);
  if (!target.exists) throw await missingPath(ws, target.relative, "edit the file meant, or create this one with codex_write_file");
  refuseSecretContent(request.new_text, redact, "new_text");
  const mode = await modeOf(target.absolute);
  const before = await readText(ws, target.absolute, target.relative);
  const replacements = replacementCount(occurrences(before, request.old_text), target.relative, request);
  const after = before.split(request.old_text).join(request.new_text);
  await writeInside(ws.root, target.absolute, after, { mode: permissionBits(mode) });
  const { diff, truncated } = await textDiff(target.relative, before, after, LIMITS.diffBytes);
  return { path: target.relative, replacements, bytes: Buffer.byteLength(after), diff, diff_truncated: truncated };
}
