/**
 * Typed records on top of unstorage: one JSON document per `records:<kind>:<id>` key, written
 * atomically and read back without unstorage's `destr` coercion (which turns "123" into 123 and
 * a torn file into a plain string).
 */
import { promises as fsp } from "node:fs";
import { join, resolve } from "node:path";
import { createStorage, type Driver, type Storage } from "unstorage";
import { PatchbayError } from "../errors/index.ts";
import { removeOrphanTemps } from "./atomic-fs-driver.ts";
import { createStateDriver, type StateDriverName } from "./drivers.ts";
import { fieldIndexes, INDEXED_FIELDS, valuesOf } from "./field-index.ts";
import { isRecordId, recordIdFromKey, recordKey, recordPrefix, type RecordKind } from "./keys.ts";
import { withLock } from "./lock.ts";
import { inProcessChannel, type NotificationChannel } from "./notifications.ts";
import { redisLogs, type SharedLogs } from "./redis-logs.ts";
import { redisChannel, redisClientOf, redisGetMany, redisIndexes, redisWindowCounter, withRedisLock, type StoreIndexes, type WindowCounter } from "./redis.ts";

/** Schema version written into new records; bump it when a record's data shape changes. */
export const RECORD_SCHEMA_VERSION = 1;

/** Records read at once by list(): unbounded parallel reads run out of file descriptors under Deno. */
const READ_BATCH = 64;

export interface StoredRecord<T> {
  schema: number;
  kind: RecordKind;
  id: string;
  createdAt: string;
  updatedAt: string;
  data: T;
}

export interface WriteOptions {
  /** Schema version of `data`; defaults to RECORD_SCHEMA_VERSION. */
  schema?: number;
}

export interface RecordStore {
  get<T>(kind: RecordKind, id: string): Promise<StoredRecord<T> | undefined>;
  /** Replace a record atomically, keeping the createdAt of an existing one (so an unreadable one fails with state_corrupt). */
  put<T>(kind: RecordKind, id: string, data: T, options?: WriteOptions): Promise<StoredRecord<T>>;
  /** Read-modify-write under the record's lock, so concurrent updates from any process are never lost. */
  update<T>(kind: RecordKind, id: string, fn: (current: StoredRecord<T> | undefined) => T | Promise<T>, options?: WriteOptions): Promise<StoredRecord<T>>;
  /** The records of these ids, in the same order; undefined where none is stored (one MGET on Redis). */
  getMany<T>(kind: RecordKind, ids: readonly string[]): Promise<Array<StoredRecord<T> | undefined>>;
  /** Every record of a kind, sorted by id. */
  list<T>(kind: RecordKind): Promise<StoredRecord<T>[]>;
  /** The ids of a kind, sorted, without reading a record (ids that sort by time give "newest N" at the cost of a key listing). */
  ids(kind: RecordKind): Promise<string[]>;
  /**
   * The records whose indexed fields (INDEXED_FIELDS) each pass their test, sorted by id; only
   * the records the kind's index names are read.
   *
   * @example
   * const named = await store.find<WorkerRecord>("worker", { name: (name) => name === "reviewer" });
   */
  find<T>(kind: RecordKind, where: Record<string, (value: string) => boolean>): Promise<StoredRecord<T>[]>;
  /** True when a record was there to remove. */
  remove(kind: RecordKind, id: string): Promise<boolean>;
  /** A named lock across every process sharing this store: a lock file (fs) or a Redis key (redis). */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * True when other patchbay servers may change records at any moment (redis): never trust an
   * in-memory copy. False for fs, where one server owns the home.
   */
  readonly shared: boolean;
  /** "Re-read" hints for every process sharing this store: in-process (fs) or Redis pub/sub (redis). */
  readonly channel: NotificationChannel;
  /** Sorted-set indexes shared by every server (Redis only): lookups that must not list a whole kind. */
  readonly indexes?: StoreIndexes;
  /** Windowed counters shared by every server (Redis only), e.g. rate limits. */
  readonly counter?: WindowCounter;
  /** Bounded logs and expiring values shared by every server (Redis only): HTTP sessions' resumable streams. */
  readonly logs?: SharedLogs;
  close(): Promise<void>;
}

export interface RecordStoreOptions {
  /** patchbay home, e.g. ~/.patchbay; the fs driver keeps its files in `<home>/state`. */
  home: string;
  driver?: StateDriverName;
  redisUrl?: string;
}

/**
 * @example
 * const store = await createRecordStore({ home: "/home/me/.patchbay" });
 * await store.update<{ count: number }>("meta", "counter", (current) => ({ count: (current?.data.count ?? 0) + 1 }));
 */
export async function createRecordStore(options: RecordStoreOptions): Promise<RecordStore> {
  const base = join(resolve(options.home), "state");
  const name = options.driver ?? "fs";
  const driver = createStateDriver(name, { base, redisUrl: options.redisUrl });
  if (name === "redis") return redisBackend(driver);
  await fsp.mkdir(base, { recursive: true, mode: 0o700 });
  await removeOrphanTemps(base);
  return recordStoreOn(createStorage({ driver }), base, {
    shared: false,
    lock: (lockName, fn) => withLock(lockName, fn, { base }),
    listIds: (kind) => recordFilesIn(base, kind),
    channel: inProcessChannel(),
    close: async () => undefined,
  });
}

/** What differs between drivers beyond unstorage itself. */
interface Backend {
  shared: boolean;
  lock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  channel: NotificationChannel;
  /** The ids of a kind, when the driver lists them faster than unstorage's getKeys (one readdir on fs, against a walk that tests every entry). */
  listIds?: (kind: RecordKind) => Promise<string[]>;
  /** Raw texts of many keys at once, when the driver can (Redis MGET). */
  readMany?: (keys: string[]) => Promise<Array<string | null>>;
  indexes?: StoreIndexes;
  counter?: WindowCounter;
  logs?: SharedLogs;
  where?: string;
  close(): Promise<void>;
}

async function redisBackend(driver: Driver): Promise<RecordStore> {
  const client = redisClientOf(driver);
  // Failed commands reject on their own; without a listener ioredis prints every reconnect error.
  client.on("error", () => undefined);
  // Fail now, with the URL's host in the message, rather than on the first record.
  try {
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new PatchbayError("state_unavailable", `cannot reach Redis at ${client.options.host}:${client.options.port}: ${(error as Error).message}`, {
      next: "start redis-server, or fix state.redis_url in config.toml",
      cause: error,
    });
  }
  const channel = redisChannel(client);
  return recordStoreOn(createStorage({ driver }), "", {
    shared: true,
    lock: (name, fn) => withRedisLock(client, name, fn),
    channel,
    readMany: (keys) => redisGetMany(client, keys),
    indexes: redisIndexes(client),
    counter: redisWindowCounter(client),
    logs: redisLogs(client),
    where: `redis ${client.options.host}:${client.options.port}`,
    close: () => channel.close(),
  });
}

function recordStoreOn(storage: Storage, base: string, backend: Backend): RecordStore {
  const lockRecord = <T>(kind: RecordKind, id: string, fn: () => Promise<T>) => backend.lock(`record-${kind}-${id}`, fn);
  const where = (key: string) => backend.where ?? join(base, ...key.split(":"));
  const read = <T>(key: string, kind: RecordKind, id: string) => readRecord<T>(storage, where, key, kind, id);
  const idsOf = async (kind: RecordKind) =>
    (backend.listIds ? await backend.listIds(kind) : (await storage.getKeys(recordPrefix(kind))).flatMap((key) => recordIdFromKey(kind, key) ?? [])).sort();
  const readIds = <T>(kind: RecordKind, ids: string[]) => {
    const { readMany } = backend;
    return readMany ? readAll<T>(ids, kind, readMany, where) : mapInBatches(ids, READ_BATCH, (id) => read<T>(recordKey(kind, id), kind, id));
  };
  const list = async <T>(kind: RecordKind) => (await readIds<T>(kind, await idsOf(kind))).filter((record) => record !== undefined);
  const indexes = fieldIndexes({ storage, lock: backend.lock, scan: list });
  /** An index entry its record contradicts was left by a crash between the two writes. */
  const repairIndexOf = (kind: RecordKind, id: string) => async () => {
    const current = await read(recordKey(kind, id), kind, id).catch(() => undefined);
    await indexes.repair(kind, id, valuesOf(kind, current?.data));
  };
  /** Writes `data` (undefined removes) with the kind's index kept a superset around the write; `before` is the stored record's values (valuesOf). */
  const writeIndexed = async <R>(kind: RecordKind, id: string, before: Record<string, string> | undefined, data: unknown, write: () => Promise<R>) => {
    if (data !== undefined) await indexes.beforeWrite(kind, id, data);
    const written = await write();
    await indexes.afterWrite(kind, id, before, data);
    return written;
  };

  return {
    // Methods are async so that an invalid key arrives as a rejection, never a synchronous throw.
    async get(kind, id) {
      return read(recordKey(kind, id), kind, id);
    },

    async put(kind, id, data, options) {
      const key = recordKey(kind, id);
      return lockRecord(kind, id, async () => {
        const current = await read(key, kind, id);
        return writeIndexed(kind, id, valuesOf(kind, current?.data), data, () => writeRecord(storage, key, kind, id, data, current, options));
      });
    },

    async update<T>(kind: RecordKind, id: string, fn: (current: StoredRecord<T> | undefined) => T | Promise<T>, options?: WriteOptions) {
      const key = recordKey(kind, id);
      return lockRecord(kind, id, async () => {
        const current = await read<T>(key, kind, id);
        // Taken before fn, which may change the record it is given in place.
        const before = valuesOf(kind, current?.data);
        const data = await fn(current);
        return writeIndexed(kind, id, before, data, () => writeRecord(storage, key, kind, id, data, current, options));
      });
    },

    async getMany<T>(kind: RecordKind, ids: readonly string[]) {
      return readIds<T>(kind, [...ids]);
    },

    list,
    ids: async (kind) => idsOf(kind),

    async find<T>(kind: RecordKind, where: Record<string, (value: string) => boolean>) {
      const index = await indexes.read(kind);
      const passes = (data: unknown) => Object.entries(where).every(([field, test]) => test(valuesOf(kind, data)?.[field] ?? ""));
      if (!index) return (await list<T>(kind)).filter((record) => passes(record.data));
      // The index is a superset (see field-index.ts): every record read is checked again.
      const candidates = Object.entries(where).map(
        ([field, test]) => new Set(Object.entries(index[field] ?? {}).flatMap(([value, ids]) => (test(value) ? ids : []))),
      );
      const ids = [...(candidates[0] ?? (await idsOf(kind)))].filter((id) => candidates.every((set) => set.has(id))).sort();
      const records = await readIds<T>(kind, ids);
      const stale = ids.filter((_, at) => !records[at] || !passes(records[at].data));
      // Best effort: a lock a dead Redis holder still leases must not fail the lookup.
      for (const id of stale) await lockRecord(kind, id, repairIndexOf(kind, id)).catch(() => undefined);
      return records.filter((record) => record !== undefined && passes(record.data)) as StoredRecord<T>[];
    },

    async remove(kind, id) {
      const key = recordKey(kind, id);
      return lockRecord(kind, id, async () => {
        if (!(await storage.hasItem(key))) return false;
        // A record too damaged to read leaves its index entries dangling, which readers tolerate.
        const current = INDEXED_FIELDS[kind] ? await read(key, kind, id).catch(() => undefined) : undefined;
        await writeIndexed(kind, id, valuesOf(kind, current?.data), undefined, () => storage.removeItem(key));
        return true;
      });
    },

    async withLock(name, fn) {
      return backend.lock(name, fn);
    },
    shared: backend.shared,
    channel: backend.channel,
    ...(backend.indexes && { indexes: backend.indexes }),
    ...(backend.counter && { counter: backend.counter }),
    ...(backend.logs && { logs: backend.logs }),
    async close() {
      await backend.close();
      await storage.dispose();
    },
  };
}

/** The record files of a kind in the fs driver's layout (`<base>/records/<kind>/<id>`). */
async function recordFilesIn(base: string, kind: RecordKind): Promise<string[]> {
  try {
    const entries = await fsp.readdir(join(base, ...recordPrefix(kind).split(":")), { withFileTypes: true });
    return entries.flatMap((entry) => (!entry.isDirectory() && isRecordId(entry.name) ? [entry.name] : []));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Every listed record in one round trip; a key removed since the listing is skipped. */
async function readAll<T>(
  ids: string[],
  kind: RecordKind,
  readMany: (keys: string[]) => Promise<Array<string | null>>,
  where: (key: string) => string,
): Promise<Array<StoredRecord<T> | undefined>> {
  const keys = ids.map((id) => recordKey(kind, id));
  const texts = await readMany(keys);
  return texts.map((text, index) => (text === null ? undefined : parseRecord<T>(text, where, keys[index]!, kind, ids[index]!)));
}

async function mapInBatches<A, B>(items: A[], size: number, fn: (item: A) => Promise<B>): Promise<B[]> {
  const results: B[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(fn))));
  return results;
}

async function writeRecord<T>(
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

async function readRecord<T>(
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
