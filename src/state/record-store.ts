/**
 * What a record store is: typed, versioned records under `records:<kind>:<id>` keys, the store's
 * methods and what it is opened with. records.ts builds one over a driver; record-codec.ts
 * writes and reads one record.
 */
import type { StateDriverName } from "./drivers.ts";
import type { FieldIndex } from "./field-index.ts";
import type { RecordKind } from "./keys.ts";
import type { NotificationChannel } from "./notifications.ts";
import type { SharedLogs } from "./redis-logs.ts";
import type { StoreIndexes, WindowCounter } from "./redis.ts";

/** Schema version written into new records; bump it when a record's data shape changes. */
export const RECORD_SCHEMA_VERSION = 1;

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
  /**
   * `find(kind, where)`, and how many records `find` would give for `counted`, from the same
   * reading of the index and asked only when needed: a list and what its filters left out for one
   * index read. The count reads no record, so a history of thousands costs what a few do; an index
   * entry a crash left behind its record (the index is a superset) counts until a `find` meets it
   * and repairs it.
   *
   * @example
   * const { records, count } = await store.findAndCount<WorkerRecord>("worker", running, anyState);
   * if (records.length === 0) console.log(`${await count()} stopped`);
   */
  findAndCount<T>(
    kind: RecordKind,
    where: Record<string, (value: string) => boolean>,
    counted: Record<string, (value: string) => boolean>,
  ): Promise<{ records: StoredRecord<T>[]; count(): Promise<number> }>;
  /**
   * The kind's field index alone (field → value → ids, for INDEXED_FIELDS), no record read;
   * undefined for a kind without one. Like the count above, a superset: an id a crash left under a value
   * its record no longer holds is there until a `find` meets it. Read only (it is shared).
   */
  index(kind: RecordKind): Promise<FieldIndex | undefined>;
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
