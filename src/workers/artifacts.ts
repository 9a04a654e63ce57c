/**
 * The artifact inbox: files a host generated (or a local file, for scripts and tests), kept under
 * `<home>/artifacts/<id>/files/`, owned by the session that imported them, and copied into a
 * worker's worktree under `.ai-bridge/imported-artifacts/<id>/` when a turn asks for them.
 *
 * Zip archives are stored as they are, not unpacked: patchbay has no zip library, and a
 * hand-written zip parser is not a safe place to start (see the workers issue).
 */
import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { download } from "./download.ts";
import { ARTIFACTS_DIR, isInside } from "./paths.ts";

export const ARTIFACT_ID_PATTERN = /^art_[0-9a-f]{20}$/;
/** Largest file the inbox takes. */
export const MAX_ARTIFACT_BYTES = 50 * 1024 * 1024;

export interface ArtifactRecord {
  id: string;
  owner: string;
  /** Real path of the repository it was imported for. */
  repo: string;
  label?: string;
  file_name: string;
  mime_type?: string;
  file_id?: string;
  source: "download" | "local";
  /** The host of a downloaded file (never the full URL: signed URLs carry credentials). */
  source_host?: string;
  bytes: number;
  sha256: string;
  /** Files of the artifact, relative to its folder. */
  files: Array<{ path: string; bytes: number }>;
  unpacked: boolean;
  note?: string;
  created_at: string;
  takeovers: Array<{ at: string; from: string; to: string; reason: string; tool: string }>;
}

export function artifactDir(home: string, id: string): string {
  return join(home, "artifacts", id, "files");
}

/** `[alnum ._-]`, at most 180 characters, never `.` or `..`. */
export function safeFileName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[.]+/, "_").slice(0, 180);
  return clean === "" || clean === "_" ? "artifact" : clean;
}

export interface ImportSource {
  url?: string;
  localPath?: string;
  fileName: string;
  mimeType?: string;
  fileId?: string;
}

/**
 * Imports one file into the inbox and records it.
 *
 * @example
 * const record = await importArtifact(context, repo, { url, fileName: "spec.md" }, "spec");
 */
export async function importArtifact(context: Pick<ToolContext, "host" | "session" | "signal">, repo: string, source: ImportSource, label?: string): Promise<ArtifactRecord> {
  const id = `art_${randomBytes(10).toString("hex")}`;
  const dir = artifactDir(context.host.home, id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileName = safeFileName(source.fileName);
  const target = join(dir, fileName);
  try {
    let bytes: number;
    let sha256: string;
    if (source.url) {
      const allowPrivate = process.env.PATCHBAY_ARTIFACT_ALLOW_PRIVATE === "1";
      ({ bytes, sha256 } = await download(source.url, target, { maxBytes: MAX_ARTIFACT_BYTES, allowPrivate, signal: context.signal }));
    } else {
      const info = await stat(source.localPath!);
      if (!info.isFile()) throw new PatchbayError("not_a_file", `${source.localPath} is not a regular file`);
      if (info.size > MAX_ARTIFACT_BYTES) throw new PatchbayError("artifact_too_large", `the file is ${info.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte cap`);
      await copyFile(source.localPath!, target);
      const content = await readFile(target);
      bytes = content.length;
      sha256 = createHash("sha256").update(content).digest("hex");
    }
    const isZip = /\.zip$/i.test(fileName) || source.mimeType === "application/zip";
    const record: ArtifactRecord = {
      id,
      owner: context.session.clientRef,
      repo,
      ...(label && { label: label.slice(0, 200) }),
      file_name: fileName,
      ...(source.mimeType && { mime_type: source.mimeType }),
      ...(source.fileId && { file_id: source.fileId }),
      source: source.url ? "download" : "local",
      ...(source.url && { source_host: new URL(source.url).host }),
      bytes,
      sha256,
      files: [{ path: fileName, bytes }],
      unpacked: false,
      ...(isZip && { note: "zip archives are stored as one file and not unpacked (no zip library in this build)" }),
      created_at: new Date().toISOString(),
      takeovers: [],
    };
    await context.host.store.put("artifact", id, record);
    return record;
  } catch (error) {
    await rm(join(context.host.home, "artifacts", id), { recursive: true, force: true });
    throw error;
  }
}

export async function artifactsInScope(context: Pick<ToolContext, "host" | "session">, roots: string[]): Promise<ArtifactRecord[]> {
  const all = await context.host.store.list<ArtifactRecord>("artifact");
  return all.map((entry) => entry.data).filter((record) => roots.some((root) => isInside(root, record.repo)));
}

export async function findArtifact(context: Pick<ToolContext, "host">, id: string, roots: string[]): Promise<ArtifactRecord> {
  const stored = ARTIFACT_ID_PATTERN.test(id) ? await context.host.store.get<ArtifactRecord>("artifact", id) : undefined;
  if (!stored || !roots.some((root) => isInside(root, stored.data.repo))) {
    throw new PatchbayError("artifact_not_found", `no artifact ${JSON.stringify(id)} in this session's repositories`, { next: "list them with codex_worker_inbox action=list" });
  }
  return stored.data;
}

/** Copies artifacts into a worktree (copies, never links); returns what the prompt says about them. */
export async function copyArtifactsInto(home: string, records: ArtifactRecord[], worktree: string): Promise<Array<{ id: string; label?: string; folder: string; files: string[] }>> {
  const placed = [];
  for (const record of records) {
    const folder = `${ARTIFACTS_DIR}/${record.id}`;
    await mkdir(join(worktree, folder), { recursive: true, mode: 0o700 });
    for (const file of record.files) await copyFile(join(artifactDir(home, record.id), file.path), join(worktree, folder, file.path));
    placed.push({ id: record.id, ...(record.label && { label: record.label }), folder, files: record.files.map((file) => file.path) });
  }
  return placed;
}
