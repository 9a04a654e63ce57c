/**
 * The messaging tools, names verbatim from the Patchcord design. Each acts as the session's agent,
 * or, for the operator, as the agent named by `as`.
 */
import * as v from "valibot";
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { onByDefault } from "../../mcp/tool-args.ts";
import { MAX_CONTENT_CHARS, messageLines, messageView, messageViewSchema } from "../message.ts";
import { messagingOf } from "../messaging.ts";
import { formatAddress, parseAddress } from "../names.ts";
import { defineMessagingTool } from "./messaging-tool.ts";

const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export const messageIdArg = v.pipe(v.string(), v.maxLength(64), v.description("From inbox or recall."));
const contentArg = v.pipe(
  v.string(),
  v.maxLength(MAX_CONTENT_CHARS, `content is limited to ${MAX_CONTENT_CHARS} characters`),
  v.description(`At most ${MAX_CONTENT_CHARS} characters.`),
);

export const presenceSchema = v.object({ agent: v.string(), last_seen: v.nullable(v.string()), active: v.boolean(), waiting: v.boolean() });
export const activeWithinArg = v.optional(
  v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(86400), v.description("Seen this recently counts as active.")),
);

const DEFAULT_INBOX_LIMIT = 100;

type Listed = { agent: string; last_seen: string | null; waiting: boolean };

/** At most `limit` agents, the ones a sender most likely wants (waiting, then seen most recently), kept in name order. */
function mostRecent<T extends Listed>(entries: T[], limit: number | undefined): T[] {
  if (limit === undefined || entries.length <= limit) return entries;
  const rank = (entry: T) => (entry.waiting ? Number.POSITIVE_INFINITY : entry.last_seen ? Date.parse(entry.last_seen) : 0);
  const kept = new Set([...entries].sort((a, b) => rank(b) - rank(a)).slice(0, limit));
  return entries.filter((entry) => kept.has(entry));
}

export const inbox = defineMessagingTool({
  name: "inbox",
  title: "Inbox",
  description:
    "This agent's identity, pending messages (then marked read), deferred messages and its namespace's presence. Read it before send_message, which is refused while messages wait.",
  input: {
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500), v.description("Default 100, oldest first; the rest stay unread."))),
    show_presence: onByDefault(),
    all_agents: onByDefault("false: only active and waiting agents."),
    agents_limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500), v.description("Waiting and most recent first."))),
    active_within_seconds: activeWithinArg,
  },
  // The Patchcord design's name for the same argument.
  argumentAliases: { inbox_limit: "limit" },
  output: v.object({
    identity: v.string(),
    pending: v.array(messageViewSchema),
    unread_left: v.number(),
    deferred: v.array(messageViewSchema),
    presence: v.array(presenceSchema),
    agents_left: v.number(),
  }),
  annotations: { ...WRITE, idempotentHint: true },
  capability: "record",
  labels: { invoking: "Reading the inbox", invoked: "Inbox read" },
  async handler(args, context, me) {
    const messaging = messagingOf(context.app);
    // Messages are marked read last, only while the caller still waits for this answer.
    const mailbox = await messaging.mailbox();
    // waiting: parked in wait_for_message on this server, so a message sent now is pushed to it.
    const window = args.active_within_seconds === undefined ? undefined : args.active_within_seconds * 1000;
    const listed =
      args.show_presence === false
        ? []
        : (await messaging.presence.of(me.namespace, window))
            .map((entry) => ({ ...entry, waiting: mailbox.parked(parseAddress(entry.agent, me.namespace)) > 0 }))
            .filter((entry) => args.all_agents !== false || entry.active || entry.waiting);
    const presence = mostRecent(listed, args.agents_limit);
    const agents_left = listed.length - presence.length;
    const { pending, deferred, unread_left } = await mailbox.inbox(me, context.signal, args.limit ?? DEFAULT_INBOX_LIMIT);
    const left = unread_left ? ` ${unread_left} more unread (call inbox again).` : "";
    const head = `${formatAddress(me)}: ${pending.length} new, ${deferred.length} deferred.${left}`;
    const active = presence.filter((entry) => entry.active).map((entry) => entry.agent);
    const body = [messageLines(pending), deferred.length ? `Deferred:\n${messageLines(deferred)}` : ""].filter(Boolean).join("\n\n");
    return {
      text: `${head}${args.show_presence === false ? "" : ` Active: ${active.join(", ") || "none"}.${agents_left ? ` ${agents_left} more agents not listed.` : ""}`}${body ? `\n\n${body}` : ""}`,
      structured: { identity: formatAddress(me), pending: pending.map(messageView), unread_left, deferred: deferred.map(messageView), presence, agents_left },
    };
  },
});

export const sendMessage = defineMessagingTool({
  name: "send_message",
  title: "Send a message",
  description: "Queue a message for agents of this namespace, online or not. Refused while this agent has unread messages (read inbox first).",
  input: {
    to: v.pipe(v.string(), v.minLength(1), v.maxLength(4000), v.description("Comma-separated NAME or NAME@NS.")),
    content: contentArg,
    thread: v.optional(v.pipe(v.string(), v.maxLength(64), v.description("Thread slug (default: a new thread)."))),
    idempotency_key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description("Retries with the same key deliver once."))),
  },
  // The Patchcord design's name for the same argument.
  argumentAliases: { to_agent: "to" },
  output: v.object({
    sent: v.array(v.object({ message_id: v.string(), to: v.string() })),
    thread_id: v.string(),
    group_id: v.string(),
    duplicate: v.boolean(),
  }),
  annotations: WRITE,
  capability: "record",
  labels: { invoking: "Sending", invoked: "Sent" },
  async handler(args, context, me) {
    const { messages, duplicate } = await (await messagingOf(context.app).mailbox()).send(me, args);
    const sent = messages.map((m) => ({ message_id: m.id, to: formatAddress({ name: m.to, namespace: m.namespace }) }));
    const first = messages[0];
    return {
      // The ids in the text too: some hosts' models read only the text (docs/hosts.md), and unsend_message takes them.
      text: `${duplicate ? "Already sent (same idempotency_key)" : "Sent"} to ${sent.map((s) => `${s.to} [${s.message_id}]`).join(", ")} in thread ${first?.thread_id}.`,
      structured: { sent, thread_id: first?.thread_id ?? "", group_id: first?.group_id ?? "", duplicate },
    };
  },
});

export const reply = defineMessagingTool({
  name: "reply",
  title: "Reply",
  description: "Reply to a message in its thread.",
  input: {
    message_id: messageIdArg,
    content: contentArg,
    defer: v.optional(v.pipe(v.boolean(), v.description("Keep the original in the inbox to handle later."))),
    resolve: v.optional(v.pipe(v.boolean(), v.description("Close the thread."))),
  },
  output: v.object({ message: messageViewSchema, original_state: v.string(), resolved: v.boolean() }),
  annotations: WRITE,
  capability: "record",
  labels: { invoking: "Replying", invoked: "Replied" },
  async handler(args, context, me) {
    const { message, original, resolved } = await (await messagingOf(context.app).mailbox()).reply(me, args);
    return {
      text: `Replied to ${message.to} [${message.id}] in thread ${message.thread_id}${original.state === "deferred" ? " (original deferred)" : ""}${resolved ? "; thread resolved" : ""}.`,
      structured: { message: messageView(message), original_state: original.state, resolved },
    };
  },
});

const DEFAULT_WAIT_SECONDS = 300;

export const waitForMessage = defineMessagingTool({
  name: "wait_for_message",
  title: "Wait for a message",
  description: "Block until a message arrives (returned and marked read) or the timeout passes.",
  input: {
    timeout_seconds: v.optional(v.pipe(v.number(), v.description(`Default ${DEFAULT_WAIT_SECONDS}, at most 3600.`))),
  },
  output: v.object({ status: v.picklist(["message", "timeout", "cancelled", "shutdown", "superseded"]), messages: v.array(messageViewSchema) }),
  annotations: WRITE,
  capability: "record",
  labels: { invoking: "Waiting for a message", invoked: "Done waiting" },
  async handler(args, context, me) {
    const seconds = Math.min(3600, Math.max(1, Math.round(args.timeout_seconds ?? DEFAULT_WAIT_SECONDS)));
    const result = await (await messagingOf(context.app).mailbox()).wait(me, seconds * 1000, {
      signal: context.signal,
      onTick: (waited) => context.progress.report(Math.round(waited / 1000), seconds, `waiting for messages to ${formatAddress(me)}`),
    });
    const text =
      result.status === "message"
        ? messageLines(result.messages)
        : result.status === "superseded"
          ? "No message: a newer wait or inbox read for this agent took over, and this wait took nothing."
          : `No message (${result.status}) after waiting up to ${seconds}s.`;
    return { text, structured: { status: result.status, messages: result.messages.map(messageView) } };
  },
});

export const unsendMessage = defineMessagingTool({
  name: "unsend_message",
  title: "Unsend a message",
  description: "Take back a message this agent sent that is still unread.",
  input: { message_id: messageIdArg },
  output: v.object({ message_id: v.string(), unsent: v.boolean() }),
  annotations: { ...WRITE, destructiveHint: true },
  capability: "record",
  labels: { invoking: "Unsending", invoked: "Unsent" },
  async handler(args, context, me) {
    const message = await (await messagingOf(context.app).mailbox()).unsend(me, args.message_id);
    return { text: `Unsent ${message.id} to ${message.to}.`, structured: { message_id: message.id, unsent: true } };
  },
});

export const recall = defineMessagingTool({
  name: "recall",
  title: "Message history",
  description: "This agent's messages, sent and received, newest first; changes nothing.",
  input: {
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100), v.description("Default 10."))),
    from_agent: v.optional(v.pipe(v.string(), v.maxLength(120), v.description("Only messages from this agent."))),
    thread_id: v.optional(v.pipe(v.string(), v.maxLength(64), v.description("Only this thread."))),
  },
  output: v.object({ messages: v.array(messageViewSchema) }),
  annotations: READ,
  capability: "read",
  labels: { invoking: "Reading history", invoked: "History read" },
  async handler(args, context, me) {
    const messages = await (await messagingOf(context.app).mailbox()).recall(me, {
      limit: args.limit ?? 10,
      from_agent: args.from_agent,
      thread_id: args.thread_id,
    });
    return { text: messages.length ? messageLines(messages) : "No messages.", structured: { messages: messages.map(messageView) } };
  },
});

export const MESSAGE_TOOLS: readonly ToolDeclaration[] = [inbox, sendMessage, reply, waitForMessage, unsendMessage, recall];
