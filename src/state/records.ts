/**
 * The record store over a state driver: the fs driver (atomic files, lock files, one readdir per
 * listing) or Redis (its locks, pub/sub, MGET and shared indexes), with every record kept by
 * record-codec.ts and each kind's field index around its writes. The interface is record-store.ts.
 */
import { promises as fsp } from "node:fs";
import { join, resolve } from "node:path";
import { createStorage, type Driver, type Storage } from "unstorage";
import { PatchbayError } from "../errors/index.ts";
import { removeOrphanTemps } from "./atomic-fs-driver.ts";
import { createStateDriver } from "./drivers.ts";
import { type FieldIndex, fieldIndexes, INDEXED_FIELDS, valuesOf } from "./field-index.ts";
import { type FieldTest, idsWhere } from "./index-lookup.ts";
import { isRecordId, recordIdFromKey, recordKey, recordPrefix, type RecordKind } from "./keys.ts";
import { withLock } from "./lock.ts";
import { inProcessChannel, type NotificationChannel } from "./notifications.ts";
import { redisLogs, type SharedLogs } from "./redis-logs.ts";
import { redisChannel, redisClientOf, redisGetMany, redisIndexes, redisWindowCounter, withRedisLock, type StoreIndexes, type WindowCounter } from "./redis.ts";
import { readAll, readRecord, writeRecord } from "./record-codec.ts";
import type { RecordStore, RecordStoreOptions, StoredRecord, WriteOptions } from "./record-store.ts";

/** Records read at once by list(): unbounded parallel reads run out of file descriptors under Deno. */
const READ_BATCH = 64;

/**
 * @example
 * const store = await createRecordStore({ home: "/home/me/.patchbay" });
 * await store.update<{ count: number }>("meta", "counter", (current) => ({ count: (current?.data.count ?? 0) + 1 }));
 */
export async function createRecordStore(options: RecordStoreOptions): Promise<RecordStore> {
  const base = join(resolve(options.home), "state");
  const name = options.driver ?? "fs";
  const driver = await createStateDriver(name, { base, redisUrl: options.redisUrl });
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
  type Where = Record<string, FieldTest>;
  const passes = (kind: RecordKind, where: Where, data: unknown) => Object.entries(where).every(([field, test]) => test(valuesOf(kind, data)?.[field] ?? ""));
  /** The ids `index` (the kind's, as read; undefined when the kind has none) names for `where`, unordered, without reading a record. */
  const indexedIds = async (kind: RecordKind, index: FieldIndex | undefined, where: Where) => {
    if (!index) return undefined;
    return idsWhere(index, where) ?? (await idsOf(kind));
  };
  /** An index entry its record contradicts was left by a crash between the two writes. */
  const repairIndexOf = (kind: RecordKind, id: string) => async () => {
    const current = await read(recordKey(kind, id), kind, id).catch(() => undefined);
    await indexes.repair(kind, id, valuesOf(kind, current?.data));
  };
  /** The records `where` picks, through `index` as read; `repaired` when an entry was found stale and mended. */
  const findIn = async <T>(kind: RecordKind, index: FieldIndex | undefined, where: Where) => {
    const ids = (await indexedIds(kind, index, where))?.sort();
    if (!ids) return { records: (await list<T>(kind)).filter((record) => passes(kind, where, record.data)), repaired: false };
    // The index is a superset (see field-index.ts): every record read is checked again.
    const records = await readIds<T>(kind, ids);
    const stale = ids.filter((_, at) => !records[at] || !passes(kind, where, records[at].data));
    // Best effort: a lock a dead Redis holder still leases must not fail the lookup.
    for (const id of stale) await lockRecord(kind, id, repairIndexOf(kind, id)).catch(() => undefined);
    return { records: records.filter((record) => record !== undefined && passes(kind, where, record.data)) as StoredRecord<T>[], repaired: stale.length > 0 };
  };
  /** How many records `where` picks by `index` alone (no record read). */
  const countIn = async (kind: RecordKind, index: FieldIndex | undefined, where: Where) => {
    const ids = await indexedIds(kind, index, where);
    return ids ? ids.length : (await list(kind)).filter((record) => passes(kind, where, record.data)).length;
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

    async find<T>(kind: RecordKind, where: Where) {
      return (await findIn<T>(kind, await indexes.read(kind), where)).records;
    },

    index: (kind) => indexes.read(kind),

    async findAndCount<T>(kind: RecordKind, where: Where, counted: Where) {
      const index = await indexes.read(kind);
      const found = await findIn<T>(kind, index, where);
      // An entry the lookup repaired is gone from the index on disk, and from the count with it.
      return { records: found.records, count: async () => countIn(kind, found.repaired ? await indexes.read(kind) : index, counted) };
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

async function mapInBatches<A, B>(items: A[], size: number, fn: (item: A) => Promise<B>): Promise<B[]> {
  const results: B[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(fn))));
  return results;
}
