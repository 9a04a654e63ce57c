/**
 * An inbox take on Redis writes its messages as read in several commands (the records, the
 * index changes), before it answers. A server killed between them leaves some messages read that
 * nobody received. So a take first writes its journal (the ids and the read time, one record per
 * agent: takes of a namespace run one at a time under its mailbox lock) and removes it once every
 * write is done, just before it answers. A journal still there at the agent's next take names a
 * take that never answered: its messages go back to pending and are handed over then, once.
 */
import { createHash } from "node:crypto";
import type { RecordStore } from "../state/index.ts";
import type { MessageData } from "./message.ts";
import type { AgentAddress } from "./names.ts";

interface Journal {
  ids: string[];
  read_at: string;
}

const journalId = (namespace: string, name: string) => `inbox-take-${createHash("sha256").update(`${namespace}\0${name}`).digest("hex").slice(0, 32)}`;

/** Runs `write` (marking `read` read) between writing the take's journal and removing it. */
export async function journaledTake(store: RecordStore, read: readonly MessageData[], write: () => Promise<void>): Promise<void> {
  const first = read[0];
  if (!first) return;
  const id = journalId(first.namespace, first.to);
  await store.put<Journal>("meta", id, { ids: read.map((message) => message.id), read_at: first.read_at ?? "" });
  await write();
  await store.remove("meta", id);
}

/**
 * The messages a take of `agent` that never answered marked read, as pending again (for
 * `write` to store), and that take's journal removed; call it under the agent's mailbox lock.
 */
export async function undoUnansweredTake(
  store: RecordStore,
  agent: AgentAddress,
  write: (changes: Array<{ message: MessageData; previous: MessageData }>) => Promise<void>,
): Promise<void> {
  const id = journalId(agent.namespace, agent.name);
  const journal = (await store.get<Journal>("meta", id))?.data;
  if (!journal) return;
  const records = await store.getMany<MessageData>("message", journal.ids);
  const changes = records.flatMap((record) => {
    // Only what that take wrote: a message read since (after this undo ran once) is left alone.
    if (record?.data.state !== "read" || record.data.read_at !== journal.read_at) return [];
    const { read_at: _, ...unread } = record.data;
    return [{ message: { ...unread, state: "pending" as const }, previous: record.data }];
  });
  await write(changes);
  await store.remove("meta", id);
}
