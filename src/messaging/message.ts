/** The message record and its public view. */
import * as v from "valibot";
import { formatAddress, type AgentAddress } from "./names.ts";

/** pending: not yet seen; read: handed to the recipient; replied; deferred: acknowledged, kept in the inbox. */
export type MessageState = "pending" | "read" | "replied" | "deferred";

export interface MessageData {
  id: string;
  namespace: string;
  from: string;
  to: string;
  thread_id: string;
  content: string;
  state: MessageState;
  created_at: string;
  group_id: string;
  read_at?: string;
  replied_at?: string;
  reply_to?: string;
  idempotency_key?: string;
}

export const MAX_CONTENT_CHARS = 50_000;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const messageViewSchema = v.object({
  message_id: v.string(),
  from: v.string(),
  to: v.string(),
  thread_id: v.string(),
  content: v.string(),
  state: v.picklist(["pending", "read", "replied", "deferred"]),
  created_at: v.string(),
  reply_to: v.optional(v.string()),
});
export type MessageView = v.InferOutput<typeof messageViewSchema>;

export function messageView(message: MessageData): MessageView {
  return {
    message_id: message.id,
    from: formatAddress({ name: message.from, namespace: message.namespace }),
    to: formatAddress({ name: message.to, namespace: message.namespace }),
    thread_id: message.thread_id,
    content: message.content,
    state: message.state,
    created_at: message.created_at,
    ...(message.reply_to && { reply_to: message.reply_to }),
  };
}

export function isFrom(message: MessageData, agent: AgentAddress): boolean {
  return message.namespace === agent.namespace && message.from === agent.name;
}

export function isTo(message: MessageData, agent: AgentAddress): boolean {
  return message.namespace === agent.namespace && message.to === agent.name;
}

/** Sorts `list` in place by creation, oldest first; ties keep their order. */
export function sortOldestFirst(list: MessageData[]): MessageData[] {
  return list.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}

export function asRead(message: MessageData, readAt: string): MessageData {
  return { ...message, state: "read", read_at: readAt };
}

/** One line per message for the model: who, thread, id, then the text. */
export function messageLines(messages: readonly MessageData[]): string {
  return messages
    .map((message) => `[${message.id}] ${message.from} → ${message.to} (thread ${message.thread_id}, ${message.state}):\n${message.content}`)
    .join("\n\n");
}
