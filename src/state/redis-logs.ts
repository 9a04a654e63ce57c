/**
 * Bounded append-only logs and expiring values in Redis, shared by every server of a team
 * (`state.driver = "redis"`): what a 2025-era HTTP session's resumable streams need so that a
 * client can resume on another server than the one that answered it. Logs are Redis streams
 * (`patchbay:log:<name>`), values plain keys (`patchbay:value:<name>`); ages are judged by the
 * Redis server's clock, so servers whose clocks disagree still agree on what expired.
 */
import type { Redis } from "ioredis";
import { structureKey } from "./redis.ts";

/** One entry of a log: its id (`<ms>-<seq>`, Redis's) and its fields. */
export interface LogEntry {
  id: string;
  fields: Record<string, string>;
}

export interface LogBounds {
  /** The newest entries kept; older ones go first. */
  maxEntries: number;
  /** An entry older than this is gone, and the whole log this long after its last append. */
  maxAgeMs: number;
}

export interface SharedLogs {
  /** Appends an entry and trims the log to its bounds in one step; returns the entry's id. */
  append(name: string, fields: Record<string, string>, bounds: LogBounds): Promise<string>;
  /** The entry `id` of log `name` while it is kept (entries older than `maxAgeMs` are dropped first). */
  entry(name: string, id: string, maxAgeMs: number): Promise<LogEntry | undefined>;
  /** The entries after `afterId`, oldest first. */
  after(name: string, afterId: string): Promise<LogEntry[]>;
  /**
   * A reader that waits for new entries. It holds a connection of its own: a blocked Redis
   * connection serves nobody else. Close it when done.
   */
  tail(): LogTail;
  setValue(name: string, value: string, ttlMs: number): Promise<void>;
  getValue(name: string): Promise<string | undefined>;
  deleteValue(name: string): Promise<void>;
}

export interface LogTail {
  /** Entries of `name` after `afterId`, waiting up to `blockMs` for the first; [] when none came. */
  next(name: string, afterId: string, blockMs: number): Promise<LogEntry[]>;
  close(): void;
}

/** Redis's own shape: two 64-bit numbers; 19 digits always fit, so a longer number never reaches Redis to be refused there. */
const ENTRY_ID_PATTERN = /^\d{1,19}-\d{1,19}$/;

/** A client-given entry id reaches Redis only in its own shape; anything else names no entry. */
function isEntryId(id: string): boolean {
  return ENTRY_ID_PATTERN.test(id);
}

/** Redis's clock in ms; entries' ids carry the same clock. */
const NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";
/** Drops what is older than ARGV[1] ms; MINID keeps ids >= the given one. */
const TRIM_BY_AGE = `${NOW} redis.call('XTRIM', KEYS[1], 'MINID', tostring(now - tonumber(ARGV[1])) .. '-0')`;
const APPEND_SCRIPT = `${TRIM_BY_AGE}
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return id`;
const ENTRY_SCRIPT = `${TRIM_BY_AGE}
return redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])`;

type RawEntry = [string, string[]];

function entriesOf(raw: RawEntry[] | null | undefined): LogEntry[] {
  return (raw ?? []).map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return { id, fields };
  });
}

/**
 * @example
 * const logs = redisLogs(client);
 * const id = await logs.append("resume:s1:events", { stream: "x", message: "{}" }, { maxEntries: 1000, maxAgeMs: 600_000 });
 */
export function redisLogs(client: Redis): SharedLogs {
  return {
    async append(name, fields, bounds) {
      const flat = Object.entries(fields).flat();
      return (await client.eval(APPEND_SCRIPT, 1, structureKey("log", name), String(bounds.maxAgeMs), String(bounds.maxEntries), ...flat)) as string;
    },
    async entry(name, id, maxAgeMs) {
      if (!isEntryId(id)) return undefined;
      return entriesOf((await client.eval(ENTRY_SCRIPT, 1, structureKey("log", name), String(maxAgeMs), id)) as RawEntry[])[0];
    },
    async after(name, afterId) {
      if (!isEntryId(afterId)) return [];
      return entriesOf((await client.xrange(structureKey("log", name), `(${afterId}`, "+")) as RawEntry[]);
    },
    tail() {
      const reader = client.duplicate();
      // ioredis reconnects by itself; an error event without a listener would crash the process.
      reader.on("error", () => undefined);
      return {
        async next(name, afterId, blockMs) {
          if (!isEntryId(afterId)) return [];
          const read = (await reader.xread("BLOCK", blockMs, "STREAMS", structureKey("log", name), afterId)) as Array<[string, RawEntry[]]> | null;
          return entriesOf(read?.[0]?.[1]);
        },
        close: () => reader.disconnect(),
      };
    },
    async setValue(name, value, ttlMs) {
      await client.set(structureKey("value", name), value, "PX", ttlMs);
    },
    async getValue(name) {
      return (await client.get(structureKey("value", name))) ?? undefined;
    },
    async deleteValue(name) {
      await client.del(structureKey("value", name));
    },
  };
}
