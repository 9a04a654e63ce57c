/**
 * The fs driver's message index: this process owns the state, so every message is kept in memory
 * (loaded once). Beside the copy it keeps, per agent, thread and idempotency key, the ids in order
 * of creation, and per agent its pending and deferred ids, so a lookup reads only the messages it
 * is about: recall and an inbox cost the same in a namespace of 10,000 messages as in one of 100
 * (docs/benchmarks.md, "Scale"), where a filter of every message grew with the namespace.
 */
import type { RecordStore } from "../state/index.ts";
import { asRead, type MessageData, sortOldestFirst } from "./message.ts";
import type { MessageIndex, RecallQuery } from "./message-index.ts";
import { applyReceipts, foldReceipt, writeReceipt } from "./read-receipts.ts";
import type { AgentAddress } from "./names.ts";

type Live = (id: string) => MessageData | undefined;

/**
 * Ids in order of creation (`created_at`, ties in the order they came). A removed message's id
 * stays until removals make up half the list (readers skip ids no longer stored), so a sweep
 * that removes many messages does not splice a long list once per message.
 */
class Timeline {
  private ids: string[] = [];
  private createdAt: string[] = [];
  private removed = 0;

  /** Lists a message not stored yet (`live` does not know it), so an earlier copy of its id goes. */
  add(message: MessageData, live: Live): void {
    if (this.removed > 0) this.compact(live);
    let low = 0;
    let high = this.ids.length;
    // Messages come in order of creation, so this nearly always appends.
    if (high > 0 && this.createdAt[high - 1]! > message.created_at) {
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (this.createdAt[middle]! <= message.created_at) low = middle + 1;
        else high = middle;
      }
    } else low = high;
    this.ids.splice(low, 0, message.id);
    this.createdAt.splice(low, 0, message.created_at);
  }

  dropped(live: Live): void {
    this.removed++;
    if (this.removed * 2 > this.ids.length) this.compact(live);
  }

  get empty(): boolean {
    return this.ids.length === this.removed;
  }

  *newestFirst(live: Live): Generator<MessageData> {
    for (let at = this.ids.length - 1; at >= 0; at--) {
      const message = live(this.ids[at]!);
      if (message) yield message;
    }
  }

  *oldestFirst(live: Live): Generator<MessageData> {
    for (const id of this.ids) {
      const message = live(id);
      if (message) yield message;
    }
  }

  private compact(live: Live): void {
    const kept = this.ids.flatMap((id, at) => (live(id) ? [at] : []));
    this.ids = kept.map((at) => this.ids[at]!);
    this.createdAt = kept.map((at) => this.createdAt[at]!);
    this.removed = 0;
  }
}

// Namespaces, names and thread ids hold no NUL (slugs or uuids) and an idempotency key comes last: no two keys collide.
const agentKey = (namespace: string, name: string) => `agent\0${namespace}\0${name}`;
const threadKey = (namespace: string, thread: string) => `thread\0${namespace}\0${thread}`;
const sentKey = (namespace: string, from: string, key: string) => `key\0${namespace}\0${from}\0${key}`;
const stateKey = (namespace: string, to: string, state: string) => `${state}\0${namespace}\0${to}`;

/** The timelines a message is listed in; they depend only on fields that never change. */
function timelinesOf(m: MessageData): string[] {
  const keys = [agentKey(m.namespace, m.from), threadKey(m.namespace, m.thread_id)];
  if (m.to !== m.from) keys.push(agentKey(m.namespace, m.to));
  if (m.idempotency_key !== undefined) keys.push(sentKey(m.namespace, m.from, m.idempotency_key));
  return keys;
}

const stateOf = (m: MessageData) => (m.state === "pending" || m.state === "deferred" ? stateKey(m.namespace, m.to, m.state) : undefined);

export async function memoryIndex(store: RecordStore): Promise<MessageIndex> {
  const cache = new Map<string, MessageData>();
  const timelines = new Map<string, Timeline>();
  const inState = new Map<string, Set<string>>();
  const live: Live = (id) => cache.get(id);

  /** Puts `message` in the copy and its lists, out of the lists its stored version was in. */
  function keep(message: MessageData): void {
    const previous = cache.get(message.id);
    // A new id goes in its timelines before the copy: one removed before is then compacted out, not kept twice.
    if (!previous) {
      for (const key of timelinesOf(message)) {
        let timeline = timelines.get(key);
        if (!timeline) timelines.set(key, (timeline = new Timeline()));
        timeline.add(message, live);
      }
    }
    cache.set(message.id, message);
    const was = previous && stateOf(previous);
    const now = stateOf(message);
    if (was === now) return;
    if (was) inState.get(was)?.delete(message.id);
    if (!now) return;
    const ids = inState.get(now);
    if (ids) ids.add(message.id);
    else inState.set(now, new Set([message.id]));
  }

  function forget(message: MessageData): void {
    const stored = cache.get(message.id);
    if (!stored) return;
    cache.delete(message.id);
    const state = stateOf(stored);
    if (state) inState.get(state)?.delete(message.id);
    for (const key of timelinesOf(stored)) {
      const timeline = timelines.get(key);
      timeline?.dropped(live);
      if (timeline?.empty) timelines.delete(key);
    }
  }

  const listed = (key: string) => [...(timelines.get(key)?.oldestFirst(live) ?? [])];

  const loaded = new Map<string, MessageData>();
  for (const record of await store.list<MessageData>("message")) loaded.set(record.id, record.data);
  const receipts = await applyReceipts(store, loaded);
  for (const message of sortOldestFirst([...loaded.values()])) keep(message);

  // One line of writes, so a receipt's fold never puts back a version older than one saved meanwhile.
  let writes: Promise<unknown> = Promise.resolve();
  const queued = <T>(write: () => Promise<T>): Promise<T> => {
    const run = writes.then(write, write);
    writes = run.catch(() => undefined);
    return run;
  };
  const fold = (receipt: { id: string; ids: string[] }) => foldReceipt(store, receipt, live, queued);
  for (const receipt of receipts) fold(receipt);

  function recall(agent: AgentAddress, query: RecallQuery): MessageData[] {
    const timeline = timelines.get(query.thread_id === undefined ? agentKey(agent.namespace, agent.name) : threadKey(agent.namespace, query.thread_id));
    const found: MessageData[] = [];
    if (!timeline || query.limit <= 0) return found;
    for (const m of timeline.newestFirst(live)) {
      if (m.from !== agent.name && m.to !== agent.name) continue;
      if (query.from !== undefined && m.from !== query.from) continue;
      if (found.push(m) >= query.limit) break;
    }
    return found;
  }

  return {
    async find(id) {
      return cache.get(id);
    },
    async addressedTo(agent, state) {
      const ids = inState.get(stateKey(agent.namespace, agent.name, state)) ?? [];
      return sortOldestFirst([...ids].flatMap((id) => cache.get(id) ?? []));
    },
    async sentWithKey(from, key) {
      return listed(sentKey(from.namespace, from.name, key));
    },
    async inThread(namespace, thread) {
      return listed(threadKey(namespace, thread));
    },
    async recall(agent, query) {
      return recall(agent, query);
    },
    async all() {
      return [...cache.values()];
    },
    save(message) {
      return queued(async () => {
        await store.put<MessageData>("message", message.id, message);
        keep(message);
        return message;
      });
    },
    markRead(pending, readAt) {
      return queued(async () => {
        const read = pending.map((message) => asRead(message, readAt));
        const receipt = await writeReceipt(store, read, readAt);
        for (const message of read) keep(message);
        fold({ id: receipt, ids: read.map((message) => message.id) });
        return read;
      });
    },
    remove(message) {
      return queued(async () => {
        await store.remove("message", message.id);
        forget(message);
      });
    },
  };
}
