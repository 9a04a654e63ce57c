/** upload_attachment, get_attachment and relay_url: files between agents of one namespace. */
import * as v from "valibot";
import { isPatchbayError } from "../../errors/index.ts";
import { callerBaseUrl, ownBaseUrls } from "../../mcp/public-url.ts";
import type { ToolContext, ToolDeclaration } from "../../mcp/tool.ts";
import { attachmentPathOfUrl, looksLikeUrl, MIME_TYPE_PATTERN, type Attachments } from "../attachments.ts";
import { messagingOf } from "../messaging.ts";
import { formatAddress } from "../names.ts";
import { relayFetch } from "../relay.ts";
import { defineMessagingTool } from "./messaging-tool.ts";

const INLINE_TEXT_BYTES = 64 * 1024;

const mimeTypeArg = (about: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(MIME_TYPE_PATTERN, "expected a media type such as text/markdown or image/png (type/subtype, no parameters)"),
      v.description(about),
    ),
  );

/**
 * A download URL for this caller, or why there is none: a remote caller gets server.public_url,
 * the tunnel, or its own allowed Host, never a wildcard or loopback address.
 */
async function downloadFor(attachments: Attachments, path: string, context: ToolContext): Promise<{ url?: string; missing?: string }> {
  try {
    return { url: (await attachments.downloadUrl(callerBaseUrl(context), path)).url };
  } catch (error) {
    if (isPatchbayError(error)) return { missing: `no download URL: ${error.message}; ${error.next ?? ""}`.trim() };
    throw error;
  }
}

export const uploadAttachment = defineMessagingTool({
  name: "upload_attachment",
  title: "Upload an attachment",
  description: "A short-lived signed URL to PUT one file to, and the storage path to give other agents.",
  input: {
    filename: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.description("e.g. report.md")),
    mime_type: mimeTypeArg("e.g. application/pdf"),
  },
  output: v.object({ path: v.string(), upload_url: v.string(), expires_at: v.string(), max_bytes: v.number() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  capability: "record",
  labels: { invoking: "Preparing upload", invoked: "Upload URL ready" },
  async handler(args, context, me) {
    const signed = await messagingOf(context.app).attachments.uploadUrl(callerBaseUrl(context), me, args.filename, args.mime_type);
    return {
      text: `PUT the file (at most ${signed.max_bytes} bytes) to ${signed.url} before ${signed.expires_at}; then share the path ${signed.path}.`,
      structured: { path: signed.path, upload_url: signed.url, expires_at: signed.expires_at, max_bytes: signed.max_bytes },
    };
  },
});

export const getAttachment = defineMessagingTool({
  name: "get_attachment",
  title: "Get an attachment",
  description: "An attachment of this namespace: its size, a short-lived download URL, and its text when small UTF-8.",
  input: {
    path: v.pipe(v.string(), v.minLength(1), v.maxLength(4096), v.description("Storage path, or a URL this server gave out.")),
  },
  // The Patchcord design's name for the same argument.
  argumentAliases: { path_or_url: "path" },
  output: v.object({
    path: v.string(),
    filename: v.string(),
    size: v.number(),
    owner: v.string(),
    content_type: v.optional(v.string()),
    download_url: v.optional(v.string()),
    text: v.optional(v.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  labels: { invoking: "Reading attachment", invoked: "Attachment read" },
  async handler(args, context, me) {
    const attachments = messagingOf(context.app).attachments;
    const path = looksLikeUrl(args.path) ? attachmentPathOfUrl(args.path, ownBaseUrls(context)) : args.path;
    const { data, bytes } = await attachments.read(me, path);
    const download = await downloadFor(attachments, data.path, context);
    let text: string | undefined;
    if (bytes.byteLength <= INLINE_TEXT_BYTES) {
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        text = undefined;
      }
    }
    return {
      text:
        `${data.path}: ${data.size} bytes from ${formatAddress({ name: data.owner, namespace: data.namespace })}. ` +
        `${download.url ? `Download: ${download.url}` : download.missing}${text !== undefined ? `\n\n${text}` : ""}`,
      structured: {
        path: data.path,
        filename: data.filename,
        size: data.size,
        owner: formatAddress({ name: data.owner, namespace: data.namespace }),
        ...(data.content_type && { content_type: data.content_type }),
        ...(download.url && { download_url: download.url }),
        ...(text !== undefined && { text }),
      },
    };
  },
});

export const relayUrl = defineMessagingTool({
  name: "relay_url",
  title: "Relay a URL as an attachment",
  description: "Fetch a public https:// URL on the server and store it as an attachment; with to, also message those agents its path.",
  input: {
    url: v.pipe(v.string(), v.minLength(1), v.maxLength(4096), v.description("Public https:// URL.")),
    filename: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.description("File name to store it as.")),
    mime_type: mimeTypeArg("Default: what the server sent."),
    to: v.optional(v.pipe(v.string(), v.maxLength(4000), v.description("Also message its path to these agents (comma-separated)."))),
  },
  output: v.object({
    path: v.string(),
    size: v.number(),
    content_type: v.optional(v.string()),
    download_url: v.optional(v.string()),
    message_ids: v.array(v.string()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  capability: "network",
  labels: { invoking: "Relaying", invoked: "Relayed" },
  async handler(args, context, me) {
    const messaging = messagingOf(context.app);
    const fetched = await relayFetch(args.url, {
      maxBytes: messaging.attachments.maxBytes,
      allowPrivate: messaging.settings.relay_allow_private,
      signal: context.signal,
    });
    const data = await messaging.attachments.add(me, args.filename, fetched.bytes, args.mime_type ?? fetched.contentType);
    let messageIds: string[] = [];
    if (args.to) {
      const { messages } = await (await messaging.mailbox()).send(me, {
        to: args.to,
        content: `Attachment ${data.path} (${data.size} bytes) relayed from ${fetched.finalUrl}. Read it with get_attachment.`,
      });
      messageIds = messages.map((m) => m.id);
    }
    const download = await downloadFor(messaging.attachments, data.path, context);
    return {
      text: `Stored ${data.size} bytes at ${data.path}${messageIds.length ? ` and told ${args.to} [${messageIds.join(", ")}]` : ""}. ${download.url ? `Download: ${download.url}` : download.missing}`,
      structured: {
        path: data.path,
        size: data.size,
        ...(data.content_type && { content_type: data.content_type }),
        ...(download.url && { download_url: download.url }),
        message_ids: messageIds,
      },
    };
  },
});

export const ATTACHMENT_TOOLS: readonly ToolDeclaration[] = [uploadAttachment, getAttachment, relayUrl];
