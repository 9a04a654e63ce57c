/** upload_attachment, get_attachment and relay_url: files between agents of one namespace. */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { messagingOf } from "../messaging.ts";
import { formatAddress } from "../names.ts";
import { relayFetch } from "../relay.ts";
import { actor, asArg, MESSAGING_MODES } from "./messages.ts";

const INLINE_TEXT_BYTES = 64 * 1024;

/** The origin of this server's HTTP listener: signed URLs point there. */
function httpBase(context: ToolContext): string {
  const endpoint = context.app.endpoints().find((candidate) => candidate.kind === "http");
  if (!endpoint)
    throw new PatchbayError("http_not_listening", "the server has no HTTP listener for attachment URLs", {
      next: "start the server with HTTP (`patchbay start`)",
    });
  return new URL(endpoint.url).origin;
}

export const uploadAttachment = defineTool({
  name: "upload_attachment",
  title: "Upload an attachment",
  description: "A short-lived signed URL on this server to PUT one file to (size-capped), and the storage path to give other agents of this namespace.",
  input: v.strictObject({ filename: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.description("The file's name, e.g. report.md.")), as: asArg }),
  output: v.object({ path: v.string(), upload_url: v.string(), expires_at: v.string(), max_bytes: v.number() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  capability: "record",
  modes: MESSAGING_MODES,
  forAgents: true,
  labels: { invoking: "Preparing upload", invoked: "Upload URL ready" },
  async handler(args, context) {
    const me = await actor(context, args.as);
    const signed = await messagingOf(context.app).attachments.uploadUrl(httpBase(context), me, args.filename);
    return {
      text: `PUT the file (at most ${signed.max_bytes} bytes) to ${signed.url} before ${signed.expires_at}; then share the path ${signed.path}.`,
      structured: { path: signed.path, upload_url: signed.url, expires_at: signed.expires_at, max_bytes: signed.max_bytes },
    };
  },
});

export const getAttachment = defineTool({
  name: "get_attachment",
  title: "Get an attachment",
  description:
    "An attachment of this namespace by storage path (NAMESPACE/AGENT/ID/FILENAME): its size, a short-lived download URL, and the text itself when it is small UTF-8.",
  input: v.strictObject({ path: v.pipe(v.string(), v.minLength(1), v.maxLength(512), v.description("The storage path.")), as: asArg }),
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
  modes: MESSAGING_MODES,
  forAgents: true,
  labels: { invoking: "Reading attachment", invoked: "Attachment read" },
  async handler(args, context) {
    const me = await actor(context, args.as);
    const attachments = messagingOf(context.app).attachments;
    const { data, bytes } = await attachments.read(me, args.path);
    const hasHttp = context.app.endpoints().some((endpoint) => endpoint.kind === "http");
    const download = hasHttp ? await attachments.downloadUrl(httpBase(context), data.path) : undefined;
    let text: string | undefined;
    if (bytes.byteLength <= INLINE_TEXT_BYTES) {
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        text = undefined;
      }
    }
    return {
      text: `${data.path}: ${data.size} bytes from ${formatAddress({ name: data.owner, namespace: data.namespace })}.${download ? ` Download: ${download.url}` : ""}${text !== undefined ? `\n\n${text}` : ""}`,
      structured: {
        path: data.path,
        filename: data.filename,
        size: data.size,
        owner: formatAddress({ name: data.owner, namespace: data.namespace }),
        ...(data.content_type && { content_type: data.content_type }),
        ...(download && { download_url: download.url }),
        ...(text !== undefined && { text }),
      },
    };
  },
});

export const relayUrl = defineTool({
  name: "relay_url",
  title: "Relay a URL as an attachment",
  description:
    "Fetch a public https:// URL on the server and store it as an attachment; with `to`, also message those agents its path. Private, loopback, link-local and metadata addresses are refused, also after redirects.",
  input: v.strictObject({
    url: v.pipe(v.string(), v.minLength(1), v.maxLength(4096), v.description("A public https:// URL.")),
    filename: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.description("The attachment's file name.")),
    to: v.optional(v.pipe(v.string(), v.maxLength(4000), v.description("Recipients to message the path to: NAME or NAME@NAMESPACE, comma-separated."))),
    as: asArg,
  }),
  output: v.object({ path: v.string(), size: v.number(), content_type: v.optional(v.string()), message_ids: v.array(v.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  capability: "network",
  modes: MESSAGING_MODES,
  forAgents: true,
  labels: { invoking: "Relaying", invoked: "Relayed" },
  async handler(args, context) {
    const me = await actor(context, args.as);
    const messaging = messagingOf(context.app);
    const fetched = await relayFetch(args.url, {
      maxBytes: messaging.attachments.maxBytes,
      allowPrivate: messaging.settings.relay_allow_private,
      signal: context.signal,
    });
    const data = await messaging.attachments.add(me, args.filename, fetched.bytes, fetched.contentType);
    let messageIds: string[] = [];
    if (args.to) {
      const { messages } = await (await messaging.mailbox()).send(me, {
        to: args.to,
        content: `Attachment ${data.path} (${data.size} bytes) relayed from ${fetched.finalUrl}. Read it with get_attachment.`,
      });
      messageIds = messages.map((m) => m.id);
    }
    return {
      text: `Stored ${data.size} bytes at ${data.path}${messageIds.length ? ` and told ${args.to}` : ""}.`,
      structured: { path: data.path, size: data.size, ...(data.content_type && { content_type: data.content_type }), message_ids: messageIds },
    };
  },
});

export const ATTACHMENT_TOOLS: readonly ToolDeclaration[] = [uploadAttachment, getAttachment, relayUrl];
