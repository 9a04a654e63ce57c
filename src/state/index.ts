/**
 * State: unstorage setup, atomic typed records and cross-process locks (redaction is src/redact).
 * Other folders import from here only.
 */
export { atomicFsDriver, type AtomicFsDriverOptions } from "./atomic-fs-driver.ts";
export { STATE_DRIVERS, type StateDriverName } from "./drivers.ts";
export { RECORD_KINDS, isRecordId, isRecordKind, type RecordKind } from "./keys.ts";
export { withLock, type LockOptions } from "./lock.ts";
export { breakLockFile, holderGone, type LockFileHolder, type LockFileState, publishLockFile, readLockFile, releaseLockFile } from "./lock-file.ts";
export { inProcessChannel, type NotificationChannel } from "./notifications.ts";
export { REDIS_BASE, withRedisLock, type IndexChange, type RedisLockOptions, type StoreIndexes, type WindowCounter } from "./redis.ts";
export type { LogBounds, LogEntry, LogTail, SharedLogs } from "./redis-logs.ts";
// Process liveness lives with the atomic file writes in src/runtime; lock and record users keep finding it here.
export { isProcessAlive, processStartTime } from "../runtime/index.ts";
export { RECORD_SCHEMA_VERSION, type RecordStore, type RecordStoreOptions, type StoredRecord, type WriteOptions } from "./record-store.ts";
export { createRecordStore } from "./records.ts";
export type { FieldIndex } from "./field-index.ts";
export { valuePairs, valuesById } from "./index-lookup.ts";
