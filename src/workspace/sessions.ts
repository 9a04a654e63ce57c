/**
 * Bounded reads of Codex session transcripts (power_tools.codex_session_read): the rollout file
 * `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<timestamp>-<session id>.jsonl`, one JSON record a
 * line (`{timestamp, type, payload}`; older files hold the response items directly).
 */
import { constants, promises as fsp } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { PatchbayError } from "../errors/index.ts";

/** Codex session ids are UUIDs; nothing else may reach a file name lookup. */
export const SESSION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Bytes of a transcript scanned at most, from its end: a huge session must not stall the call. */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** Directories visited at most while looking for a session file. */
const MAX_DIRECTORIES = 5_000;

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
