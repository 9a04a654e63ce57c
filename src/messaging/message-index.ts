/**
 * How the mailbox finds messages without reading all of them.
 *
 * fs: this process owns the state, so every message is kept in memory (loaded once), with lists per
 * agent, thread and key beside it (memory-index.ts).
 *
 * Redis: nothing is cached; per-agent and per-thread sorted sets (scored by creation time) hold
 * message ids, so an operation reads only the ids it needs and then those records in one MGET.
 * Its cost depends on the agent's pending/deferred messages (or the thread, or the recall page),
 * not on how many messages the store holds. Writers follow one rule: add index entries before
 * writing a record, remove them after, so an index is always a superset of the truth and readers
 * check each record they get. Stale entries are dropped only under the namespace's mailbox lock,
 * where no writer can be halfway through.
 *
 * Index names (`patchbay:index:` + …):
 *   mailbox:<ns>:agent:<name>:pending|deferred   messages to the agent in that state
 *   mailbox:<ns>:agent:<name>:all                 messages from or to the agent (recall)
 *   mailbox:<ns>:thread:<thread>                  messages of a thread (resolve, recall by thread)
 *   mailbox:<ns>:key:<name>:<sha256(key)>         messages sent by the agent with that idempotency key
 */
import { createHash } from "node:crypto";
import type { IndexChange, RecordStore, StoreIndexes } from "../state/index.ts";
import { asRead, isFrom, isTo, type MessageData, sortOldestFirst } from "./message.ts";
import { memoryIndex } from "./memory-index.ts";
import { journaledTake, undoUnansweredTake } from "./take-journal.ts";
import type { AgentAddress } from "./names.ts";

export interface RecallQuery {
  limit: number;
  from?: string;
  thread_id?: string;
}

export interface MessageIndex {
  find(id: string): Promise<MessageData | undefined>;
  /** Messages to `agent` in `state`, oldest first. `locked`: the caller holds the namespace's mailbox lock. */
  addressedTo(agent: AgentAddress, state: "pending" | "deferred", locked?: boolean): Promise<MessageData[]>;
  /** Messages `from` sent with this idempotency key. */
  sentWithKey(from: AgentAddress, key: string): Promise<MessageData[]>;
  /** Every message of a thread. */
  inThread(namespace: string, thread: string): Promise<MessageData[]>;
  /** Messages from or to `agent`, newest first. */
  recall(agent: AgentAddress, query: RecallQuery): Promise<MessageData[]>;
  /** Every message: only the periodic sweep lists them all. */
  all(): Promise<MessageData[]>;
  /** Writes a new or changed message (`previous`: its stored version, if any). */
  save(message: MessageData, previous?: MessageData): Promise<MessageData>;
  /** Marks pending messages read at `readAt`, all in one write where the store allows (fs: read-receipts.ts); the read versions. */
  markRead(pending: readonly MessageData[], readAt: string): Promise<MessageData[]>;
  remove(message: MessageData): Promise<void>;
}

const sortNewestFirst = (list: MessageData[]) => list.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));

const recallMatches = (agent: AgentAddress, query: RecallQuery) => (m: MessageData) =>
  (isFrom(m, agent) || isTo(m, agent)) &&
  (query.from === undefined || m.from === query.from) &&
  (query.thread_id === undefined || m.thread_id === query.thread_id);

export async function createMessageIndex(store: RecordStore): Promise<MessageIndex> {
  return store.indexes ? sharedIndex(store, store.indexes) : memoryIndex(store);
}

/** Recall pages through an agent's messages newest first: `limit` ids, then twice as many each step, up to this. */
const RECALL_MAX_PAGE = 1000;
/** Bump to rebuild every index from the records on the next start (the meta record holds the version built). */
const INDEX_VERSION = 1;
const INDEX_META_ID = "mailbox-index";

const agentIndex = (namespace: string, name: string, which: "pending" | "deferred" | "all") => `mailbox:${namespace}:agent:${name}:${which}`;
const threadIndex = (namespace: string, thread: string) => `mailbox:${namespace}:thread:${thread}`;
const keyIndex = (namespace: string, name: string, key: string) =>
  `mailbox:${namespace}:key:${name}:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;

/** Every index a message belongs to, as it is now. */
function indexesOf(m: MessageData): string[] {
  const names = [agentIndex(m.namespace, m.from, "all"), agentIndex(m.namespace, m.to, "all"), threadIndex(m.namespace, m.thread_id)];
  if (m.idempotency_key !== undefined) names.push(keyIndex(m.namespace, m.from, m.idempotency_key));
  if (m.state === "pending" || m.state === "deferred") names.push(agentIndex(m.namespace, m.to, m.state));
  return names;
}

const THREAD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const scoreOf = (m: MessageData) => Date.parse(m.created_at);

async function sharedIndex(store: RecordStore, indexes: StoreIndexes): Promise<MessageIndex> {
  await buildOnce(store, indexes);

  /** Writes messages with their index entries kept a superset: one batch of additions, the records together, one batch of removals. */
  async function saveAll(changes: Array<{ message: MessageData; previous?: MessageData }>): Promise<void> {
    const diff = changes.map(({ message, previous }) => {
      const before = new Set(previous ? indexesOf(previous) : []);
      const after = new Set(indexesOf(message));
      return { message, added: [...after].filter((name) => !before.has(name)), dropped: [...before].filter((name) => !after.has(name)) };
    });
    await indexes.apply(diff.flatMap(({ message, added }) => added.map((name) => ({ add: name, member: message.id, score: scoreOf(message) }))));
    await Promise.all(changes.map(({ message }) => store.put<MessageData>("message", message.id, message)));
    await indexes.apply(diff.flatMap(({ message, dropped }) => dropped.map((name) => ({ remove: name, member: message.id }))));
  }

  /** The records behind `ids`, in their order, skipping ids whose record is gone. */
  async function load(ids: string[]): Promise<MessageData[]> {
    return (await store.getMany<MessageData>("message", ids)).flatMap((record) => (record ? [record.data] : []));
  }

  return {
    async find(id) {
      return (await store.get<MessageData>("message", id))?.data;
    },
    async addressedTo(agent, state, locked = false) {
      if (locked && state === "pending") await undoUnansweredTake(store, agent, saveAll);
      const name = agentIndex(agent.namespace, agent.name, state);
      const ids = await indexes.range(name, 0, -1);
      const records = await store.getMany<MessageData>("message", ids);
      const found: MessageData[] = [];
      const stale: IndexChange[] = [];
      records.forEach((record, i) => {
        if (record && isTo(record.data, agent) && record.data.state === state) found.push(record.data);
        else stale.push({ remove: name, member: ids[i]! });
      });
      // Only under the lock: elsewhere a writer may have added the entry and not yet the record.
      if (locked && stale.length > 0) await indexes.apply(stale);
      return sortOldestFirst(found);
    },
    async sentWithKey(from, key) {
      return (await load(await indexes.range(keyIndex(from.namespace, from.name, key), 0, -1))).filter((m) => isFrom(m, from) && m.idempotency_key === key);
    },
    async inThread(namespace, thread) {
      return (await load(await indexes.range(threadIndex(namespace, thread), 0, -1))).filter((m) => m.namespace === namespace && m.thread_id === thread);
    },
    async recall(agent, query) {
      const matches = recallMatches(agent, query);
      if (query.thread_id !== undefined) {
        // No message has a thread id that is not a valid slug (or uuid): nothing to look up.
        if (!THREAD_ID.test(query.thread_id)) return [];
        return sortNewestFirst((await load(await indexes.range(threadIndex(agent.namespace, query.thread_id), 0, -1))).filter(matches)).slice(0, query.limit);
      }
      const name = agentIndex(agent.namespace, agent.name, "all");
      const found: MessageData[] = [];
      for (let start = 0, page = Math.max(query.limit, 1); found.length < query.limit; start += page, page = Math.min(page * 2, RECALL_MAX_PAGE)) {
        const ids = await indexes.range(name, start, start + page - 1, { reverse: true });
        found.push(...(await load(ids)).filter(matches));
        if (ids.length < page) break;
      }
      return sortNewestFirst(found).slice(0, query.limit);
    },
    async all() {
      return (await store.list<MessageData>("message")).map((record) => record.data);
    },
    async save(message, previous) {
      await saveAll([{ message, previous }]);
      return message;
    },
    async markRead(pending, readAt) {
      const read = pending.map((message) => asRead(message, readAt));
      // Not one transaction: a crash part-way is undone at the agent's next take (take-journal.ts).
      await journaledTake(store, read, () => saveAll(read.map((message, at) => ({ message, previous: pending[at] }))));
      return read;
    },
    async remove(message) {
      await store.remove("message", message.id);
      await indexes.apply(indexesOf(message).map((name) => ({ remove: name, member: message.id })));
    },
  };
}

/**
 * Messages written before the indexes existed are indexed once, by whichever server starts
 * first; the meta record says it is done. Entries added meanwhile by other servers only make the
 * indexes a larger superset, which readers tolerate.
 */
async function buildOnce(store: RecordStore, indexes: StoreIndexes): Promise<void> {
  const built = (await store.get<{ version: number }>("meta", INDEX_META_ID))?.data.version === INDEX_VERSION;
  if (built) return;
  await store.withLock("mailbox-index", async () => {
    if ((await store.get<{ version: number }>("meta", INDEX_META_ID))?.data.version === INDEX_VERSION) return;
    const changes: IndexChange[] = [];
    for (const record of await store.list<MessageData>("message")) {
      for (const name of indexesOf(record.data)) changes.push({ add: name, member: record.data.id, score: scoreOf(record.data) });
    }
    for (let start = 0; start < changes.length; start += 1000) await indexes.apply(changes.slice(start, start + 1000));
    await store.put("meta", INDEX_META_ID, { version: INDEX_VERSION, built_at: new Date().toISOString() });
  });
}
