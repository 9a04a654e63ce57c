/**
 * Bounded reads of Codex session transcripts (power_tools.codex_session_read), and the listing of
 * the saved ones: the rollout file
 * `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<timestamp>-<session id>.jsonl`, one JSON record a
 * line (`{timestamp, type, payload}`; older files hold the response items directly).
 */
import { constants, type Dirent, promises as fsp } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { PatchbayError } from "../errors/index.ts";

/** Codex session ids are UUIDs; nothing else may reach a file name lookup. */
export const SESSION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Bytes of a transcript scanned at most, from its end: a huge session must not stall the call. */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** Directories visited at most while looking for a session file. */
const MAX_DIRECTORIES = 5_000;

/** Rollout files a listing opens at most (the original's codex_session_max_scan_files). */
const MAX_LISTED_FILES = 3_000;

/** Bytes of a rollout file's first line (its session_meta) read at most. */
const META_BYTES = 64 * 1024;

export interface SessionMessage {
  role: string;
  text: string;
  timestamp?: string;
}

export interface SessionTranscript {
  session_id: string;
  /** The file, relative to CODEX_HOME (the home directory is not shown). */
  file: string;
  meta: { cwd?: string; cli_version?: string; model?: string; started_at?: string };
  messages: SessionMessage[];
  total_messages: number;
  truncated: boolean;
}

/** `$CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: Record<string, string | undefined> = process.env): string {
  return env.CODEX_HOME || join(homedir(), ".codex");
}

/** Finds `rollout-*-<id>.jsonl` under `sessions/`, breadth first, never following symlinks. */
async function findSessionFile(sessionsDir: string, sessionId: string): Promise<string | undefined> {
  const suffix = `-${sessionId.toLowerCase()}.jsonl`;
  const queue = [sessionsDir];
  for (let visited = 0; queue.length > 0 && visited < MAX_DIRECTORIES; visited++) {
    const dir = queue.shift()!;
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) queue.push(join(dir, entry.name));
      else if (entry.isFile() && entry.name.startsWith("rollout-") && entry.name.toLowerCase().endsWith(suffix)) return join(dir, entry.name);
    }
  }
  return undefined;
}

/** A saved Codex session, as `codex_list_sessions` shows it: metadata only. */
export interface SavedCodexSession {
  session_id: string;
  /** The rollout file, relative to CODEX_HOME. */
  file: string;
  /** Where Codex ran; absent when the file does not say. */
  cwd?: string;
  started_at?: string;
  cli_version?: string;
  /** The file's last change: the session's last activity. */
  modified_at: string;
}

/** The entries of `dir` that are real directories or files (never symlinks), newest name first. */
async function newestFirst(dir: string): Promise<Dirent[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() || entry.isFile()).sort((a, b) => b.name.localeCompare(a.name));
}

/** Rollout files under `sessions/YYYY/MM/DD/`, newest first (their names start with the start time). */
async function* rolloutFiles(sessionsDir: string): AsyncGenerator<string> {
  const stack = [sessionsDir];
  for (let visited = 0; stack.length > 0 && visited < MAX_DIRECTORIES; visited++) {
    const dir = stack.shift()!;
    const entries = await newestFirst(dir);
    for (const entry of entries) if (entry.isFile() && entry.name.startsWith("rollout-") && entry.name.endsWith(".jsonl")) yield join(dir, entry.name);
    // Depth first, newest folder first, so files come out newest first without sorting them all.
    stack.unshift(...entries.filter((entry) => entry.isDirectory()).map((entry) => join(dir, entry.name)));
  }
}

/** The session_meta of a rollout file, read from its first line only. */
async function savedSession(home: string, file: string): Promise<SavedCodexSession | undefined> {
  const idInName = /-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl$/.exec(file)?.[1];
  const handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stat = await handle.stat();
    let meta: Record<string, unknown> = {};
    for await (const line of linesOf(handle, 0, Math.min(stat.size, META_BYTES))) {
      try {
        const record = JSON.parse(line) as { type?: unknown; payload?: Record<string, unknown> };
        if (record.type === "session_meta" && record.payload) meta = record.payload;
      } catch {
        // not a record: the id in the file name still names the session
      }
      break;
    }
    const id = typeof meta.id === "string" && SESSION_ID.test(meta.id) ? meta.id : idInName;
    if (!id) return undefined;
    return {
      session_id: id,
      file: relative(home, file),
      ...(typeof meta.cwd === "string" && { cwd: meta.cwd }),
      ...(typeof meta.timestamp === "string" && { started_at: meta.timestamp }),
      ...(typeof meta.cli_version === "string" && { cli_version: meta.cli_version }),
      modified_at: stat.mtime.toISOString(),
    };
  } finally {
    await handle.close();
  }
}

/**
 * The Codex home's saved sessions (the ones `readCodexSession` reads), newest first, at most
 * `limit` of those `include` accepts; at most MAX_LISTED_FILES files are opened.
 *
 * @example
 * const { sessions } = await listCodexSessions({ limit: 20, include: (s) => s.cwd?.startsWith("/srv/repo") ?? false });
 */
export async function listCodexSessions(options: {
  limit: number;
  include: (session: SavedCodexSession) => boolean;
  home?: string;
}): Promise<{ sessions: SavedCodexSession[]; truncated: boolean }> {
  const home = options.home ?? codexHome();
  const sessions: SavedCodexSession[] = [];
  let opened = 0;
  for await (const file of rolloutFiles(join(home, "sessions"))) {
    if (sessions.length >= options.limit || opened >= MAX_LISTED_FILES) return { sessions, truncated: true };
    opened++;
    const session = await savedSession(home, file);
    if (session && options.include(session)) sessions.push(session);
  }
  return { sessions, truncated: false };
}

/** The lines of the file from byte `start` to its end, read in chunks through an open handle. */
async function* linesOf(handle: fsp.FileHandle, start: number, end: number): AsyncGenerator<string> {
  const chunk = new Uint8Array(256 * 1024);
  const decoder = new TextDecoder();
  let pending = "";
  // Starting mid-file means starting mid-line: that first piece is not a record.
  let skipFirst = start > 0;
  for (let position = start; position < end; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const lines = (pending + decoder.decode(chunk.subarray(0, bytesRead), { stream: true })).split("\n");
    pending = lines.pop() ?? "";
    if (skipFirst && lines.length > 0) {
      lines.shift();
      skipFirst = false;
    }
    yield* lines;
  }
  if (pending) yield pending;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (typeof part?.text === "string" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

type RolloutLine = { timestamp?: unknown; type?: unknown; payload?: Record<string, unknown> } & Record<string, unknown>;

/** Reads one line into the transcript: a message, session metadata, or nothing. */
function absorb(line: string, transcript: SessionTranscript, keep: SessionMessage[], maxMessages: number): void {
  let record: RolloutLine;
  try {
    record = JSON.parse(line) as RolloutLine;
  } catch {
    return;
  }
  const item = (record.payload ?? record) as Record<string, unknown>;
  if (record.type === "session_meta") {
    transcript.meta.cwd = typeof item.cwd === "string" ? item.cwd : undefined;
    transcript.meta.cli_version = typeof item.cli_version === "string" ? item.cli_version : undefined;
    transcript.meta.started_at = typeof item.timestamp === "string" ? item.timestamp : undefined;
    return;
  }
  if (record.type === "turn_context" && typeof item.model === "string") transcript.meta.model = item.model;
  if (item.type !== "message" || typeof item.role !== "string") return;
  transcript.total_messages++;
  keep.push({ role: item.role, text: textOf(item.content), ...(typeof record.timestamp === "string" && { timestamp: record.timestamp }) });
  if (keep.length > maxMessages) keep.shift();
}

/** Fits the kept messages into `maxBytes`, newest first, cutting the oldest one that does not fit. */
function fitBytes(messages: SessionMessage[], maxBytes: number): { messages: SessionMessage[]; cut: boolean } {
  const fitted: SessionMessage[] = [];
  let room = maxBytes;
  for (const message of [...messages].reverse()) {
    const size = Buffer.byteLength(message.text);
    if (size <= room) {
      fitted.unshift(message);
      room -= size;
      continue;
    }
    if (room > 0) fitted.unshift({ ...message, text: `${Buffer.from(message.text).subarray(0, room).toString("utf8")}…` });
    return { messages: fitted, cut: true };
  }
  return { messages: fitted, cut: false };
}

/**
 * The last `maxMessages` messages of a Codex session, at most `maxBytes` of text in all.
 *
 * @example
 * const transcript = await readCodexSession("0199a2d7-41c4-78b1-b7cc-a45d62a89cd5", { maxMessages: 20, maxBytes: 50_000, redact });
 */
export async function readCodexSession(
  sessionId: string,
  options: { maxMessages: number; maxBytes: number; redact: (text: string) => string; home?: string },
): Promise<SessionTranscript> {
  if (!SESSION_ID.test(sessionId))
    throw new PatchbayError("invalid_arguments", `session_id ${JSON.stringify(sessionId)} is not a Codex session id (a UUID)`, {
      next: "pass the thread id Codex reported",
    });
  const home = options.home ?? codexHome();
  const file = await findSessionFile(join(home, "sessions"), sessionId);
  if (!file)
    throw new PatchbayError("session_not_found", `no Codex session ${sessionId} under ${join(home, "sessions")}`, {
      next: "check the id, and that CODEX_HOME points at the Codex home that ran it",
    });
  const transcript: SessionTranscript = { session_id: sessionId, file: relative(home, file), meta: {}, messages: [], total_messages: 0, truncated: false };
  const kept: SessionMessage[] = [];
  // O_NOFOLLOW: the file was found as a regular file; a symlink swapped in since is not followed.
  const handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  let size: number;
  try {
    size = (await handle.stat()).size;
    for await (const line of linesOf(handle, Math.max(size - MAX_SCAN_BYTES, 0), size)) absorb(line, transcript, kept, options.maxMessages);
  } finally {
    await handle.close();
  }
  // Redacted before cutting to size: a key cut in half no longer looks like a key.
  const fitted = fitBytes(
    kept.map((message) => ({ ...message, text: options.redact(message.text) })),
    options.maxBytes,
  );
  transcript.messages = fitted.messages;
  transcript.truncated = fitted.cut || transcript.total_messages > kept.length || size > MAX_SCAN_BYTES;
  return transcript;
}
