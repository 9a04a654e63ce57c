/**
 * The artifact inbox: files a host generated (or a local file, for scripts and tests), kept under
 * `<home>/artifacts/<id>/files/`, owned by the session that imported them, and copied into a
 * worker's worktree under `.ai-bridge/imported-artifacts/<id>/` when a turn asks for them.
 *
 * A zip archive (by name or MIME type) is kept as it came in `files/` and unpacked safely into
 * `unpacked/` (see unzip.ts); its unpacked files are the artifact's files: what inspect shows
 * and what is copied into worktrees. A refused zip leaves nothing behind.
 *
 * The inbox as a whole holds at most workers.max_inbox_bytes (files as imported plus unpacked
 * zips): an import that would pass it is refused and removed, so one small zip bomb cannot be
 * imported again and again until the disk is full.
 */
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import type { AppServices } from "../mcp/services.ts";
import type { RecordStore } from "../state/index.ts";
import { readInside } from "../workspace/index.ts";
import { download } from "./download.ts";
import { ARTIFACTS_DIR, isInside } from "./paths.ts";
import { isSafeRelativePath, unpackZip, type UnzipLimits } from "./unzip.ts";

export const ARTIFACT_ID_PATTERN = /^art_[0-9a-f]{20}$/;
const ZIP_MIME_TYPES = new Set(["application/zip", "application/x-zip-compressed", "application/x-zip"]);

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
  /** Files of the artifact: relative to `unpacked/` for an unpacked zip, else to `files/`. */
  files: Array<{ path: string; bytes: number }>;
  /** True for a zip whose members were unpacked into `unpacked/`. */
  unpacked: boolean;
  /** For an unpacked zip: its folders and the bytes of all its files. */
  unpacked_folders?: string[];
  unpacked_bytes?: number;
  note?: string;
  created_at: string;
  takeovers: Array<{ at: string; from: string; to: string; reason: string; tool: string }>;
}

/** Where the file as imported is kept (for a zip: the archive itself). */
export function artifactDir(home: string, id: string): string {
  return join(home, "artifacts", id, "files");
}

/** Where a zip artifact's members are unpacked. */
export function unpackedDir(home: string, id: string): string {
  return join(home, "artifacts", id, "unpacked");
}

/** The folder `record.files` are relative to. */
export function artifactFilesRoot(home: string, record: ArtifactRecord): string {
  return record.unpacked ? unpackedDir(home, record.id) : artifactDir(home, record.id);
}

export function zipLimits(config: Config): UnzipLimits {
  return { maxEntries: config.workers.max_unpacked_files, maxFileBytes: config.workers.max_download_bytes, maxTotalBytes: config.workers.max_unpacked_bytes };
}

export function isZipName(fileName: string, mimeType?: string): boolean {
  return /\.zip$/i.test(fileName) || (mimeType !== undefined && ZIP_MIME_TYPES.has(mimeType.toLowerCase().split(";")[0]!.trim()));
}

/** `[alnum ._-]`, at most 180 characters, never `.` or `..`. */
export function safeFileName(name: string): string {
  const clean = name
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[.]+/, "_")
    .slice(0, 180);
  return clean === "" || clean === "_" ? "artifact" : clean;
}

/** Bytes an artifact takes in the inbox: the file as imported, plus its unpacked members. */
function inboxBytes(record: ArtifactRecord): number {
  return record.bytes + (record.unpacked_bytes ?? 0);
}

async function inboxTotal(store: RecordStore): Promise<number> {
  return (await store.list<ArtifactRecord>("artifact")).reduce((total, entry) => total + inboxBytes(entry.data), 0);
}

function inboxFull(used: number, adding: number, quota: number): PatchbayError {
  return new PatchbayError(
    "artifact_inbox_full",
    `the artifact inbox holds ${used} bytes; ${adding > 0 ? `${adding} more` : "more"} would pass its ${quota}-byte quota (workers.max_inbox_bytes)`,
    {
      next: "remove artifacts you no longer need with codex_worker_inbox action=cleanup (see action=list), or raise workers.max_inbox_bytes in config.toml",
    },
  );
}

/** Who imports, into which repository, and the signal that stops a download. */
export interface ImportRequest {
  /** client_ref of the importing session: it owns the artifact. */
  owner: string;
  /** Real path of the repository the artifact is for. */
  repo: string;
  label?: string;
  signal?: AbortSignal;
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
 * const record = await importArtifact(context.app, { owner: context.session.clientRef, repo, label: "spec" }, { url, fileName: "spec.md" });
 */
export async function importArtifact(
  app: Pick<AppServices, "home" | "config" | "store">,
  request: ImportRequest,
  source: ImportSource,
): Promise<ArtifactRecord> {
  const { owner, repo, label, signal } = request;
  const quota = app.config.workers.max_inbox_bytes;
  const before = await inboxTotal(app.store);
  if (before >= quota) throw inboxFull(before, 0, quota);
  const id = `art_${randomBytes(10).toString("hex")}`;
  const dir = artifactDir(app.home, id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileName = safeFileName(source.fileName);
  const target = join(dir, fileName);
  try {
    let bytes: number;
    let sha256: string;
    const { max_download_bytes: maxBytes, allow_private_downloads: allowPrivate } = app.config.workers;
    if (source.url) {
      ({ bytes, sha256 } = await download(source.url, target, { maxBytes, allowPrivate, signal }));
    } else {
      // The guarded read: no symlink or FIFO swapped in after the guard, no hard link to an outside file.
      const read = await readInside(repo, source.localPath!, maxBytes);
      if (read.truncated)
        throw new PatchbayError("artifact_too_large", `the file is ${read.size} bytes, over the ${maxBytes}-byte cap`, {
          next: "raise workers.max_download_bytes in config.toml, or import a smaller file",
        });
      await writeFile(target, read.bytes, { mode: 0o600 });
      bytes = read.bytes.length;
      sha256 = createHash("sha256").update(read.bytes).digest("hex");
    }
    let files = [{ path: fileName, bytes }];
    let unpacked: Pick<ArtifactRecord, "unpacked_folders" | "unpacked_bytes"> | undefined;
    if (isZipName(fileName, source.mimeType)) {
      const result = await unpackZip(await readFile(target), unpackedDir(app.home, id), zipLimits(app.config));
      files = result.files;
      unpacked = { unpacked_folders: result.directories, unpacked_bytes: result.bytes };
    }
    const record: ArtifactRecord = {
      id,
      owner,
      repo,
      ...(label && { label: label.slice(0, 200) }),
      file_name: fileName,
      ...(source.mimeType && { mime_type: source.mimeType }),
      ...(source.fileId && { file_id: source.fileId }),
      source: source.url ? "download" : "local",
      ...(source.url && { source_host: new URL(source.url).host }),
      bytes,
      sha256,
      files,
      unpacked: unpacked !== undefined,
      ...unpacked,
      created_at: new Date().toISOString(),
      takeovers: [],
    };
    // Checked again under a lock with the record written in the same step: concurrent imports cannot both fit into the last room.
    await app.store.withLock("artifact-inbox", async () => {
      const used = await inboxTotal(app.store);
      if (used + inboxBytes(record) > quota) throw inboxFull(used, inboxBytes(record), quota);
      await app.store.put("artifact", id, record);
    });
    return record;
  } catch (error) {
    await rm(join(app.home, "artifacts", id), { recursive: true, force: true });
    throw error;
  }
}

export async function artifactsInScope(store: RecordStore, roots: string[]): Promise<ArtifactRecord[]> {
  const all = await store.list<ArtifactRecord>("artifact");
  return all.map((entry) => entry.data).filter((record) => roots.some((root) => isInside(root, record.repo)));
}

export async function findArtifact(store: RecordStore, id: string, roots: string[]): Promise<ArtifactRecord> {
  const stored = ARTIFACT_ID_PATTERN.test(id) ? await store.get<ArtifactRecord>("artifact", id) : undefined;
  if (!stored || !roots.some((root) => isInside(root, stored.data.repo))) {
    throw new PatchbayError("artifact_not_found", `no artifact ${JSON.stringify(id)} in this session's repositories`, {
      next: "list them with codex_worker_inbox action=list",
    });
  }
  return stored.data;
}

/** Refuses a path in the worktree that is a symlink or not a folder (an agent may have put one there). */
async function assertRealFolder(worktree: string, relativePath: string): Promise<void> {
  const info = await lstat(join(worktree, relativePath)).catch(() => undefined);
  if (info && (info.isSymbolicLink() || !info.isDirectory())) {
    throw new PatchbayError(
      "artifact_copy_refused",
      `${relativePath} in the worktree is ${info.isSymbolicLink() ? "a symbolic link" : "not a folder"}; artifacts are not copied through it`,
      { next: `remove ${relativePath} from the worker's worktree` },
    );
  }
}

/**
 * Copies artifacts into a worktree (copies, never links): an unpacked zip's files with their
 * folders, else the file itself. The artifact's folder is recreated each time, and the path to it
 * must be real folders inside the worktree. Returns what the prompt says about them.
 */
export async function copyArtifactsInto(
  home: string,
  records: ArtifactRecord[],
  worktree: string,
): Promise<Array<{ id: string; label?: string; folder: string; files: string[] }>> {
  const placed = [];
  const root = await realpath(worktree);
  for (const record of records) {
    const folder = `${ARTIFACTS_DIR}/${record.id}`;
    const parts = ARTIFACTS_DIR.split("/");
    for (let depth = 1; depth <= parts.length; depth++) await assertRealFolder(root, parts.slice(0, depth).join("/"));
    await mkdir(join(root, ARTIFACTS_DIR), { recursive: true, mode: 0o700 });
    if ((await realpath(join(root, ARTIFACTS_DIR))) !== join(root, ARTIFACTS_DIR))
      throw new PatchbayError("artifact_copy_refused", `${ARTIFACTS_DIR} resolves outside the worktree`);
    await rm(join(root, folder), { recursive: true, force: true });
    await mkdir(join(root, folder), { mode: 0o700 });
    const source = artifactFilesRoot(home, record);
    for (const file of record.files) {
      if (!isSafeRelativePath(file.path))
        throw new PatchbayError("artifact_invalid", `artifact ${record.id} lists an unsafe path ${JSON.stringify(file.path)}`);
      const target = join(root, folder, file.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await copyFile(join(source, file.path), target, constants.COPYFILE_EXCL);
    }
    placed.push({ id: record.id, ...(record.label && { label: record.label }), folder, files: record.files.map((file) => file.path) });
  }
  return placed;
}
