/**
 * An inbox take on the fs driver marks its messages read in one write: a receipt record
 * (`meta:inbox-read-<uuid>`: the ids and the time) is the commit point, so after a crash either
 * every message of the take is read or none is. Rewriting each message record costs two fsyncs
 * apiece (the record's lock file and the record), 300 ms for 100 messages; that happens after the
 * answer, a few records at a time, and the receipt goes once they all say read. Until then a
 * start applies the receipt to the records still saying pending (a read message never returns
 * to pending, so the receipt can only be older than such a record).
 */
import type { RecordStore } from "../state/index.ts";
import type { MessageData } from "./message.ts";

const PREFIX = "inbox-read-";

interface Receipt {
  ids: string[];
  read_at: string;
}

/** Writes the receipt of `messages` (already marked read at `readAt`); its id, for the fold. */
export async function writeReceipt(store: RecordStore, messages: readonly MessageData[], readAt: string): Promise<string> {
  const id = `${PREFIX}${crypto.randomUUID()}`;
  await store.put<Receipt>("meta", id, { ids: messages.map((message) => message.id), read_at: readAt });
  return id;
}

/** Applies every stored receipt to `cache` (loaded from the records); the receipts and the ids each still has to fold. */
export async function applyReceipts(store: RecordStore, cache: Map<string, MessageData>): Promise<Array<{ id: string; ids: string[] }>> {
  const ids = (await store.ids("meta")).filter((id) => id.startsWith(PREFIX));
  const receipts = await store.getMany<Receipt>("meta", ids);
  return receipts.flatMap((receipt, at) => {
    if (!receipt) return [];
    for (const messageId of receipt.data.ids) {
      const message = cache.get(messageId);
      if (message?.state === "pending") cache.set(messageId, { ...message, state: "read", read_at: receipt.data.read_at });
    }
    return [{ id: ids[at]!, ids: receipt.data.ids }];
  });
}

/** Records rewritten per queued step of a fold, so a send waits behind a few writes, not a whole inbox's. */
const FOLD_STEP = 10;

/**
 * Rewrites the records a receipt names with their current version (`current`), then removes the
 * receipt. Each step goes through `queue`, the index's one line of writes, so a newer version
 * written meanwhile is never overwritten by an older one. A failed step leaves the receipt for
 * the next start.
 */
export function foldReceipt(
  store: RecordStore,
  receipt: { id: string; ids: string[] },
  current: (id: string) => MessageData | undefined,
  queue: (step: () => Promise<void>) => Promise<void>,
): void {
  let left = receipt.ids;
  const step = async () => {
    const chunk = left.slice(0, FOLD_STEP);
    left = left.slice(FOLD_STEP);
    for (const id of chunk) {
      const message = current(id);
      if (message) await store.put<MessageData>("message", id, message);
    }
    if (left.length > 0) void queue(step).catch(() => undefined);
    else await store.remove("meta", receipt.id);
  };
  void queue(step).catch(() => undefined);
}
