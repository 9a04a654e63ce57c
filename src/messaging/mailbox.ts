/**
 * The mailbox: every message is one durable record, written before the call answers, so a
 * `kill -9` loses nothing that was acknowledged.
 *
 * With the fs driver this process owns the state (one server per PATCHBAY_HOME): it keeps all
 * messages in memory too, loaded once, and changes them one at a time. With a shared store (Redis,
 * several servers) it keeps no copy: per-agent and per-thread indexes (message-index.ts) point to
 * the few records an operation needs, and changes to a namespace run under that namespace's store
 * lock, so the unread-inbox refusal, unsend and idempotency keys hold across servers. Either way a
 * new message is announced on the store's notification channel (Redis pub/sub when shared), which
 * wakes waiters on every server.
 */
import { likelyMeant, PatchbayError } from "../errors/index.ts";
import type { RecordStore } from "../state/index.ts";
import type { Identities } from "./identities.ts";
import { createMessageIndex } from "./message-index.ts";
import { isFrom, isTo, MAX_CONTENT_CHARS, UUID_PATTERN, type MessageData } from "./message.ts";
import { agentId, assertThreadId, formatAddress, parseAddress, sameAgent, type AgentAddress } from "./names.ts";

export interface SendInput {
  to: string;
  content: string;
  thread?: string;
  idempotency_key?: string;
}

export interface ReplyInput {
  message_id: string;
  content: string;
  defer?: boolean;
  resolve?: boolean;
}

/** `superseded`: a newer wait or inbox read of the same agent took over; this wait took nothing. */
export type WaitStatus = "message" | "timeout" | "cancelled" | "shutdown" | "superseded";

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called every `tickMs` while nothing arrived (the tool sends progress from it). */
  onTick?: (waitedMs: number) => void | Promise<void>;
  tickMs?: number;
}

export interface ThreadData {
  namespace: string;
  thread_id: string;
  resolved_at: string;
  resolved_by: string;
}

export interface Mailbox {
  send(from: AgentAddress, input: SendInput): Promise<{ messages: MessageData[]; duplicate: boolean }>;
  reply(from: AgentAddress, input: ReplyInput): Promise<{ message: MessageData; original: MessageData; resolved: boolean }>;
  /**
   * Pending messages (now marked read; the oldest `limit`, the rest stay unread and are counted in
   * `unread_left`) and deferred ones, oldest first. A call whose `signal` aborted (the caller
   * cancelled or disconnected) marks nothing and throws `request_cancelled`: the messages stay
   * unread for the next inbox.
   */
  inbox(agent: AgentAddress, signal?: AbortSignal, limit?: number): Promise<{ pending: MessageData[]; deferred: MessageData[]; unread_left: number }>;
  wait(agent: AgentAddress, timeoutMs: number, options?: WaitOptions): Promise<{ status: WaitStatus; messages: MessageData[] }>;
  /** How many waits for `agent` are parked on this server now (a new message pushes to them): shown as presence `waiting`. */
  parked(agent: AgentAddress): number;
  unsend(agent: AgentAddress, messageId: string): Promise<MessageData>;
  recall(agent: AgentAddress, query: { limit: number; from_agent?: string; thread_id?: string }): Promise<MessageData[]>;
  /** Removes messages and thread records created before `cutoff`; returns how many messages went. */
  sweep(cutoff: Date): Promise<number>;
  close(): void;
}

const MAX_RECIPIENTS = 20;
const UNREAD_SHOWN = 5;
const DEFAULT_TICK_MS = 10_000;

/** The notification topic: the payload is the agentId whose inbox changed. */
const TOPIC = "mailbox";

export async function createMailbox(store: RecordStore, identities: Identities): Promise<Mailbox> {
  const shared = store.shared;
  // Only a store this process owns may be cached; a shared one changes under us, and is indexed.
  const index = await createMessageIndex(store);

  // Every change goes through this queue, and with a shared store also through the namespace's
  // lock: a message is never handed to two waiters, on this server or another.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const exclusive = <T>(namespace: string, fn: () => Promise<T>): Promise<T> => (shared ? store.withLock(`mailbox-${namespace}`, fn) : serial(fn));

  // One live wait per agent on this server: a caller that went away without a word (a killed
  // host) leaves a wait that would take the next message for nobody; the agent's next wait or
  // inbox read ends it first, so the message goes to whoever asks now. It also bounds the waits.
  const liveWaits = new Map<string, AbortController>();
  const supersedeWait = (key: string) => liveWaits.get(key)?.abort();

  const versions = new Map<string, number>();
  const wakers = new Map<string, Set<() => void>>();
  const shutdown = new AbortController();
  const wakeLocal = (key: string) => {
    versions.set(key, (versions.get(key) ?? 0) + 1);
    for (const wake of wakers.get(key) ?? []) wake();
  };
  const unsubscribe = await store.channel.subscribe(TOPIC, wakeLocal);
  const notify = async (agent: AgentAddress) => {
    // A lost notification only delays delivery to the waiter's next tick: it re-reads then.
    await store.channel.publish(TOPIC, agentId(agent)).catch(() => wakeLocal(agentId(agent)));
  };

  const save = (message: MessageData, previous?: MessageData) => index.save(message, previous);

  function assertContent(content: string): void {
    if (content.trim() === "") throw new PatchbayError("invalid_content", "the message is empty", { next: "write some content" });
    if (content.length > MAX_CONTENT_CHARS) {
      throw new PatchbayError("content_too_long", `the message has ${content.length} characters; the limit is ${MAX_CONTENT_CHARS}`, {
        next: "shorten it, or send the rest as an attachment (upload_attachment)",
      });
    }
  }

  async function assertNoUnread(sender: AgentAddress): Promise<void> {
    const unread = await index.addressedTo(sender, "pending", true);
    if (unread.length === 0) return;
    const shown = unread.slice(0, UNREAD_SHOWN).map((m) => `${m.id} from ${m.from}: ${m.content.slice(0, 80)}`);
    throw new PatchbayError("inbox_unread", `${formatAddress(sender)} has ${unread.length} unread message(s); read them before sending: ${shown.join(" | ")}`, {
      next: "call inbox or wait_for_message to read them, then send again",
      details: { unread: unread.length, pending: unread.slice(0, UNREAD_SHOWN).map((m) => ({ message_id: m.id, from: m.from, thread_id: m.thread_id })) },
    });
  }

  async function recipients(sender: AgentAddress, to: string): Promise<AgentAddress[]> {
    const parts = [
      ...new Set(
        to
          .split(",")
          .map((part) => part.trim())
          .filter((part) => part !== ""),
      ),
    ];
    if (parts.length === 0)
      throw new PatchbayError("invalid_recipient", "no recipient given", { next: "set `to` to NAME or NAME@NAMESPACE, comma-separated for several" });
    if (parts.length > MAX_RECIPIENTS)
      throw new PatchbayError("invalid_recipient", `${parts.length} recipients; the limit is ${MAX_RECIPIENTS}`, { next: "send in smaller groups" });
    const found: AgentAddress[] = [];
    for (const part of parts) {
      const address = parseAddress(part, sender.namespace);
      // Other namespaces do not exist for this agent: the answer must not reveal who is there.
      if (address.namespace !== sender.namespace) {
        throw new PatchbayError("namespace_forbidden", `${formatAddress(sender)} can only message agents in namespace ${sender.namespace}`, {
          next: `address agents as NAME or NAME@${sender.namespace}`,
        });
      }
      if (sameAgent(address, sender)) throw new PatchbayError("invalid_recipient", "an agent cannot message itself", { next: "name another agent" });
      if (!(await identities.agent(address))) {
        // The name most likely meant, from the sender's own namespace only (the one it may see).
        const meant = likelyMeant(
          address.name,
          (await identities.agents(sender.namespace)).map((agent) => agent.name),
        );
        throw new PatchbayError("agent_not_found", `no agent ${formatAddress(address)}${meant ? ` (did you mean ${meant}?)` : ""}`, {
          next: `create it with \`patchbay token add --namespace ${address.namespace} ${address.name}\``,
        });
      }
      if (!found.some((known) => sameAgent(known, address))) found.push(address);
    }
    return found;
  }

  async function reopen(namespace: string, thread: string): Promise<void> {
    await store.remove("thread", `${namespace}.${thread}`);
  }

  function newMessage(from: AgentAddress, to: string, fields: Pick<MessageData, "content" | "thread_id" | "group_id"> & Partial<MessageData>): MessageData {
    return { id: crypto.randomUUID(), namespace: from.namespace, from: from.name, to, state: "pending", created_at: new Date().toISOString(), ...fields };
  }

  async function ownMessage(agent: AgentAddress, id: string): Promise<MessageData> {
    if (!UUID_PATTERN.test(id))
      throw new PatchbayError("invalid_message_id", `${JSON.stringify(id)} is not a message id`, {
        next: "use a message_id from inbox, wait_for_message or recall",
      });
    const message = await index.find(id);
    // Messages of another namespace are answered exactly like missing ones.
    if (!message || message.namespace !== agent.namespace || !(isFrom(message, agent) || isTo(message, agent))) {
      throw new PatchbayError("message_not_found", `no message ${id} for ${formatAddress(agent)}`, {
        next: "use a message_id from inbox, wait_for_message or recall",
      });
    }
    return message;
  }

  /**
   * Marks the agent's oldest `limit` pending messages read; what it took and how many stay unread.
   * `undefined`, marking nothing, once `signal` aborted: nobody would receive them.
   */
  async function take(agent: AgentAddress, signal: AbortSignal | undefined, limit = Number.POSITIVE_INFINITY) {
    return exclusive(agent.namespace, async () => {
      if (signal?.aborted) return undefined;
      const pending = await index.addressedTo(agent, "pending", true);
      const taken = await index.markRead(pending.slice(0, limit), new Date().toISOString());
      return Object.assign(taken, { left: pending.length - taken.length });
    });
  }

  function sleepUntilWoken(key: string, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const set = wakers.get(key) ?? new Set();
      wakers.set(key, set);
      const done = (woken: boolean) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) wakers.delete(key);
        signal?.removeEventListener("abort", wake);
        shutdown.signal.removeEventListener("abort", wake);
        resolve(woken);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
      signal?.addEventListener("abort", wake, { once: true });
      shutdown.signal.addEventListener("abort", wake, { once: true });
    });
  }

  return {
    send(from, input) {
      return exclusive(from.namespace, async () => {
        assertContent(input.content);
        const thread = input.thread === undefined || input.thread === "" ? undefined : assertThreadId(input.thread);
        const targets = await recipients(from, input.to);
        const earlier = input.idempotency_key === undefined ? [] : await index.sentWithKey(from, input.idempotency_key);
        // A retried send delivers only to the recipients the first attempt did not reach.
        if (earlier.length === 0) await assertNoUnread(from);
        const group = earlier[0]?.group_id ?? crypto.randomUUID();
        const threadId = earlier[0]?.thread_id ?? thread ?? group;
        if (thread) await reopen(from.namespace, thread);
        const sent = [...earlier];
        for (const target of targets) {
          if (earlier.some((m) => m.to === target.name)) continue;
          const key = input.idempotency_key === undefined ? {} : { idempotency_key: input.idempotency_key };
          sent.push(await save(newMessage(from, target.name, { content: input.content, thread_id: threadId, group_id: group, ...key })));
          await notify(target);
        }
        return { messages: sent, duplicate: earlier.length > 0 };
      });
    },

    reply(from, input) {
      return exclusive(from.namespace, async () => {
        assertContent(input.content);
        const original = await ownMessage(from, input.message_id);
        const otherName = isTo(original, from) ? original.from : original.to;
        const other = { name: otherName, namespace: from.namespace };
        const now = new Date().toISOString();
        let updated = original;
        if (isTo(original, from)) {
          const state = input.defer && !input.resolve ? "deferred" : "replied";
          updated = await save({ ...original, state, read_at: original.read_at ?? now, ...(state === "replied" && { replied_at: now }) }, original);
        }
        const message = await save(
          newMessage(from, other.name, { content: input.content, thread_id: original.thread_id, group_id: crypto.randomUUID(), reply_to: original.id }),
        );
        if (input.resolve) {
          // Resolving closes the thread: nothing in it stays deferred in either inbox.
          for (const m of await index.inThread(from.namespace, original.thread_id)) {
            if (m.state === "deferred") await save({ ...m, state: "replied", replied_at: now }, m);
          }
          await store.put<ThreadData>("thread", `${from.namespace}.${original.thread_id.slice(0, 64)}`, {
            namespace: from.namespace,
            thread_id: original.thread_id,
            resolved_at: now,
            resolved_by: from.name,
          });
        }
        await notify(other);
        return { message, original: updated, resolved: Boolean(input.resolve) };
      });
    },

    async inbox(agent, signal, limit) {
      supersedeWait(agentId(agent));
      const pending = await take(agent, signal, limit);
      if (!pending) {
        throw new PatchbayError("request_cancelled", "the inbox call was cancelled or its caller went away before the answer; its messages stay unread", {
          next: "call inbox again",
        });
      }
      return { pending: [...pending], deferred: await index.addressedTo(agent, "deferred"), unread_left: pending.left };
    },

    async wait(agent, timeoutMs, options = {}) {
      const { onTick } = options;
      const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
      const key = agentId(agent);
      supersedeWait(key);
      const mine = new AbortController();
      liveWaits.set(key, mine);
      const signal = options.signal ? AbortSignal.any([options.signal, mine.signal]) : mine.signal;
      const ended = () => (mine.signal.aborted && !options.signal?.aborted ? "superseded" : "cancelled");
      const started = Date.now();
      const deadline = started + timeoutMs;
      try {
        for (;;) {
          if (shutdown.signal.aborted) return { status: "shutdown", messages: [] };
          if (signal.aborted) return { status: ended(), messages: [] };
          const seen = versions.get(key) ?? 0;
          const taken = await take(agent, signal);
          if (!taken) return { status: ended(), messages: [] };
          if (taken.length > 0) return { status: "message", messages: taken };
          const remaining = deadline - Date.now();
          if (remaining <= 0) return { status: "timeout", messages: [] };
          // A message that arrived while we looked bumped the version: look again at once.
          if ((versions.get(key) ?? 0) !== seen) continue;
          const woken = await sleepUntilWoken(key, Math.min(remaining, tickMs), signal);
          if (!woken && Date.now() < deadline) await onTick?.(Date.now() - started);
        }
      } finally {
        if (liveWaits.get(key) === mine) liveWaits.delete(key);
      }
    },

    parked(agent) {
      return wakers.get(agentId(agent))?.size ?? 0;
    },

    unsend(agent, messageId) {
      return exclusive(agent.namespace, async () => {
        const message = await ownMessage(agent, messageId);
        if (!isFrom(message, agent)) {
          throw new PatchbayError("not_sender", `message ${messageId} was not sent by ${formatAddress(agent)}`, {
            next: "only the sender can unsend a message",
          });
        }
        if (message.state !== "pending") {
          throw new PatchbayError("already_read", `message ${messageId} was already read by ${message.to}`, { next: "send a correction instead" });
        }
        await index.remove(message);
        return message;
      });
    },

    async recall(agent, query) {
      const from = query.from_agent === undefined ? undefined : parseAddress(query.from_agent, agent.namespace);
      if (from && from.namespace !== agent.namespace) return [];
      return index.recall(agent, { limit: query.limit, ...(from && { from: from.name }), ...(query.thread_id && { thread_id: query.thread_id }) });
    },

    sweep(cutoff) {
      // Removing a message this old races with nothing that matters, so no namespace lock is taken.
      return serial(async () => {
        const limit = cutoff.toISOString();
        let removed = 0;
        for (const message of await index.all()) {
          if (message.created_at >= limit) continue;
          await index.remove(message);
          removed++;
        }
        for (const thread of await store.list<ThreadData>("thread")) if (thread.updatedAt < limit) await store.remove("thread", thread.id);
        return removed;
      });
    },

    close() {
      shutdown.abort();
      void unsubscribe().catch(() => undefined);
    },
  };
}
