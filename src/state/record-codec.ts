/**
 * One record as stored: written as one JSON document (schema version, kind, id, times, data) and
 * read back without unstorage's `destr` coercion (which turns "123" into 123 and a torn file into
 * a plain string); anything else at a record's key is `state_corrupt`, naming the file.
 */
import type { Storage } from "unstorage";
import { PatchbayError } from "../errors/index.ts";
import { recordKey, type RecordKind } from "./keys.ts";
import { RECORD_SCHEMA_VERSION, type StoredRecord, type WriteOptions } from "./record-store.ts";

/** Every listed record in one round trip; a key removed since the listing is skipped. */
export async function readAll<T>(
  ids: string[],
  kind: RecordKind,
  readMany: (keys: string[]) => Promise<Array<string | null>>,
  where: (key: string) => string,
): Promise<Array<StoredRecord<T> | undefined>> {
  const keys = ids.map((id) => recordKey(kind, id));
  const texts = await readMany(keys);
  return texts.map((text, index) => (text === null ? undefined : parseRecord<T>(text, where, keys[index]!, kind, ids[index]!)));
}

export async function writeRecord<T>(
  storage: Storage,
  key: string,
  kind: RecordKind,
  id: string,
  data: T,
  existing: StoredRecord<unknown> | undefined,
  options: WriteOptions = {},
): Promise<StoredRecord<T>> {
  if (data === undefined) {
    throw new PatchbayError("invalid_record", `record ${key} has no data`, { next: "pass a JSON value as data, or call remove() to delete the record" });
  }
  const now = new Date().toISOString();
  const record: StoredRecord<T> = { schema: options.schema ?? RECORD_SCHEMA_VERSION, kind, id, createdAt: existing?.createdAt ?? now, updatedAt: now, data };
  await storage.setItemRaw(key, JSON.stringify(record));
  return record;
}

export async function readRecord<T>(
  storage: Storage,
  where: (key: string) => string,
  key: string,
  kind: RecordKind,
  id: string,
): Promise<StoredRecord<T> | undefined> {
  const raw: unknown = await storage.getItemRaw(key);
  if (raw === null || raw === undefined) return undefined;
  let text: string;
  try {
    text = decodeText(raw);
  } catch (error) {
    throw corruptRecord(where, key, "is not valid JSON", error);
  }
  return parseRecord<T>(text, where, key, kind, id);
}

function parseRecord<T>(text: string, where: (key: string) => string, key: string, kind: RecordKind, id: string): StoredRecord<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corruptRecord(where, key, "is not valid JSON", error);
  }
  if (!isStoredRecord(value, kind, id)) throw corruptRecord(where, key, "is not a patchbay record for this key");
  return value as StoredRecord<T>;
}

/** Raw reads arrive as bytes from the fs driver; invalid UTF-8 is corruption, not text to guess at. */
function decodeText(raw: unknown): string {
  if (typeof raw === "string") return raw;
  if (raw instanceof Uint8Array) return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  throw new TypeError(`unexpected stored value of type ${typeof raw}`);
}

function isStoredRecord(value: unknown, kind: RecordKind, id: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.schema === "number" &&
    record.kind === kind &&
    record.id === id &&
    typeof record.createdAt === "string" &&
    typeof record.updatedAt === "string" &&
    Object.hasOwn(record, "data")
  );
}

function corruptRecord(where: (key: string) => string, key: string, problem: string, cause?: unknown): PatchbayError {
  const file = where(key);
  return new PatchbayError("state_corrupt", `stored record ${key} ${problem}`, {
    next: `inspect ${file}; restore it from a backup or delete it with remove()`,
    details: { key, file },
    cause,
  });
}
