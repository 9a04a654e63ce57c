/**
 * Attachments: files under `<home>/attachments/<namespace>/<agent>/<id>/<filename>`, reached by
 * storage path. Uploads and downloads over HTTP use short-lived URLs signed with a secret kept in
 * the state, so the URL itself is the permission and carries no bearer token.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { promises as fsp } from "node:fs";
import { dirname, join, posix } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { tempNameFor, writeTempFile } from "../runtime/index.ts";
import type { RecordStore } from "../state/index.ts";
import { isName, type AgentAddress } from "./names.ts";

export interface AttachmentData {
  path: string;
  namespace: string;
  owner: string;
  filename: string;
  size: number;
  content_type?: string;
  created_at: string;
}

export interface SignedUrl {
  path: string;
  url: string;
  expires_at: string;
}

export interface Attachments {
  /** A fresh storage path for `filename` owned by `agent`, and the signed PUT URL for it; the URL also fixes the stored `contentType`. */
  uploadUrl(baseUrl: string, agent: AgentAddress, filename: string, contentType?: string): Promise<SignedUrl & { max_bytes: number }>;
  downloadUrl(baseUrl: string, path: string): Promise<SignedUrl>;
  /** Checks a URL's signature (`type`: its signed content type, if any); the storage path it grants, or the refusal. */
  verify(method: "PUT" | "GET", path: string, expires: string | null, signature: string | null, type?: string | null): Promise<string | PatchbayError>;
  /** Stores bytes at a path (once: an upload URL cannot overwrite). */
  write(path: string, bytes: Uint8Array, contentType?: string): Promise<AttachmentData>;
  /** Stores bytes under a new path owned by `agent` (relay_url). */
  add(agent: AgentAddress, filename: string, bytes: Uint8Array, contentType?: string): Promise<AttachmentData>;
  /** The record and bytes of a path the agent's namespace may read. */
  read(agent: AgentAddress | undefined, path: string): Promise<{ data: AttachmentData; bytes: Uint8Array }>;
  sweep(cutoff: Date): Promise<number>;
  readonly maxBytes: number;
}

const FILENAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A media type as `type/subtype` tokens (RFC 9110), without parameters. */
export const MIME_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** The `type/subtype` of a Content-Type value, lower case; undefined when it is not one. */
export function mediaType(value: string | null | undefined): string | undefined {
  const bare = value?.split(";")[0]?.trim().toLowerCase();
  return bare && MIME_TYPE_PATTERN.test(bare) ? bare : undefined;
}
const ID_PATTERN = /^[0-9a-f]{32}$/;

/** A file name safe as one path segment: its base name with other characters replaced. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .replace(/[^A-Za-z0-9_.-]/g, "_")
    .replace(/^[._-]+/, "")
    .replace(/\.{2,}/g, ".")
    .slice(0, 128);
  if (!FILENAME_PATTERN.test(cleaned))
    throw new PatchbayError("invalid_filename", `${JSON.stringify(name)} is not a usable file name`, { next: "use a name like report.txt" });
  return cleaned;
}

function notFound(path: string): PatchbayError {
  return new PatchbayError("attachment_not_found", `no attachment at ${JSON.stringify(path.slice(0, 300))}`, {
    next: "use a path returned by upload_attachment, relay_url or a message",
  });
}

/** `ns/agent/id/filename` after refusing traversal; anything else is not found. */
export function normalizeAttachmentPath(path: string): { namespace: string; agent: string; id: string; filename: string; path: string } {
  if (path.includes("\0") || path.includes("\\") || path.includes("%") || path.startsWith("/")) throw notFound(path);
  if (path.split("/").some((segment) => segment === ".." || segment === ".")) throw notFound(path);
  const normalized = posix.normalize(path);
  const parts = normalized.split("/");
  const [namespace, agent, id, filename] = parts;
  if (parts.length !== 4 || !namespace || !agent || !id || !filename) throw notFound(path);
  if (!isName(namespace) || !isName(agent) || !ID_PATTERN.test(id) || !FILENAME_PATTERN.test(filename)) throw notFound(path);
  return { namespace, agent, id, filename, path: normalized };
}

/** True when `value` is written as a URL (scheme://…) rather than a storage path. */
export const looksLikeUrl = (value: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value);

/**
 * The storage path inside an attachment URL of this server: `<base>/attachments/<path>?…` for one
 * of `bases` (same origin, same path prefix). Any other URL is refused; nothing is ever fetched.
 */
export function attachmentPathOfUrl(value: string, bases: readonly string[]): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const prefix = url
    ? bases
        .map((base) => new URL(base))
        .filter((base) => base.origin === url.origin)
        .map((base) => `${base.pathname.replace(/\/+$/, "")}/attachments/`)
        .find((candidate) => url.pathname.startsWith(candidate))
    : undefined;
  if (!url || prefix === undefined)
    throw new PatchbayError("url_refused", `${value.slice(0, 200)} is not an attachment URL of this server`, {
      next: "pass the storage path (NAMESPACE/AGENT/ID/FILENAME) or the URL this server handed out; to store a file from another host, use relay_url",
    });
  // Still percent-encoded: an encoded dot or slash is refused by the path check, never decoded into one.
  return normalizeAttachmentPath(url.pathname.slice(prefix.length)).path;
}

export function createAttachments(options: { store: RecordStore; home: string; maxBytes: number; ttlSeconds: number }): Attachments {
  const { store, maxBytes } = options;
  const root = join(options.home, "attachments");
  let secret: Promise<Buffer> | undefined;

  const loadSecret = () =>
    (secret ??= store
      .update<{ secret: string }>("meta", "messaging-url-secret", (current) => current?.data ?? { secret: randomBytes(32).toString("hex") })
      .then((record) => Buffer.from(record.data.secret, "hex")));

  const sign = async (method: string, path: string, expires: number, type?: string) =>
    createHmac("sha256", await loadSecret())
      .update(`${method}\n${path}\n${expires}${type ? `\n${type}` : ""}`)
      .digest("hex");

  async function signedUrl(baseUrl: string, method: "PUT" | "GET", path: string, type?: string): Promise<SignedUrl> {
    const expires = Math.floor(Date.now() / 1000) + options.ttlSeconds;
    // The base keeps its path prefix (a reverse proxy's /patchbay), which `new URL(path, base)` would drop.
    const url = new URL(`${baseUrl.replace(/\/+$/, "")}/attachments/${path}`);
    url.searchParams.set("expires", String(expires));
    if (type) url.searchParams.set("type", type);
    url.searchParams.set("signature", await sign(method, path, expires, type));
    return { path, url: url.href, expires_at: new Date(expires * 1000).toISOString() };
  }

  const fileOf = (path: string) => join(root, ...path.split("/"));

  async function write(path: string, bytes: Uint8Array, contentType?: string): Promise<AttachmentData> {
    const parts = normalizeAttachmentPath(path);
    if (bytes.byteLength > maxBytes)
      throw new PatchbayError("attachment_too_large", `${bytes.byteLength} bytes is over the ${maxBytes} byte limit (messaging.max_attachment_bytes)`, {
        next: "send a smaller file",
      });
    const file = fileOf(parts.path);
    await fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Written whole (fsynced) beside it under the one temp-name rule, then published by link().
    const temp = join(dirname(file), tempNameFor(file));
    await writeTempFile(temp, bytes);
    try {
      // link() fails when the name exists: an upload URL writes its path once.
      await fsp.link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST")
        throw new PatchbayError("attachment_exists", `${parts.path} was already uploaded`, { next: "ask upload_attachment for a new URL" });
      throw error;
    } finally {
      await fsp.unlink(temp).catch(() => undefined);
    }
    const data: AttachmentData = {
      path: parts.path,
      namespace: parts.namespace,
      owner: parts.agent,
      filename: parts.filename,
      size: bytes.byteLength,
      created_at: new Date().toISOString(),
      ...(mediaType(contentType) && { content_type: mediaType(contentType) }),
    };
    await store.put<AttachmentData>("attachment", parts.id, data);
    return data;
  }

  const newPath = (agent: AgentAddress, filename: string) => `${agent.namespace}/${agent.name}/${randomBytes(16).toString("hex")}/${safeFilename(filename)}`;

  return {
    maxBytes,
    async uploadUrl(baseUrl, agent, filename, contentType) {
      return { ...(await signedUrl(baseUrl, "PUT", newPath(agent, filename), mediaType(contentType))), max_bytes: maxBytes };
    },
    downloadUrl: (baseUrl, path) => signedUrl(baseUrl, "GET", normalizeAttachmentPath(path).path),
    async verify(method, path, expires, signature, type) {
      let normalized: string;
      try {
        normalized = normalizeAttachmentPath(path).path;
      } catch (error) {
        return error as PatchbayError;
      }
      const bad = new PatchbayError("attachment_url_invalid", "the attachment URL is invalid or expired", {
        next: "ask for a new URL (upload_attachment or get_attachment)",
      });
      const when = Number(expires);
      if (!signature || !/^[0-9a-f]{64}$/.test(signature) || !Number.isInteger(when) || when < Date.now() / 1000) return bad;
      const expected = Buffer.from(await sign(method, normalized, when, type ?? undefined), "hex");
      return timingSafeEqual(expected, Buffer.from(signature, "hex")) ? normalized : bad;
    },
    write,
    add: (agent, filename, bytes, contentType) => write(newPath(agent, filename), bytes, contentType),
    async read(agent, path) {
      const parts = normalizeAttachmentPath(path);
      // Another namespace's attachment is answered exactly like a missing one.
      if (agent && parts.namespace !== agent.namespace) throw notFound(path);
      const record = await store.get<AttachmentData>("attachment", parts.id);
      if (!record || record.data.path !== parts.path) throw notFound(path);
      const bytes = await fsp.readFile(fileOf(parts.path)).catch(() => {
        throw notFound(path);
      });
      return { data: record.data, bytes: new Uint8Array(bytes) };
    },
    async sweep(cutoff) {
      let removed = 0;
      for (const record of await store.list<AttachmentData>("attachment")) {
        if (record.data.created_at >= cutoff.toISOString()) continue;
        await fsp.rm(dirname(fileOf(record.data.path)), { recursive: true, force: true });
        await store.remove("attachment", record.id);
        removed++;
      }
      return removed;
    },
  };
}
