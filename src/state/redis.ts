/**
 * Redis for `state.driver = "redis"`: unstorage's redis driver for records (keys under
 * `patchbay:`), a lock built on `SET key token PX ttl NX` with a compare-and-delete release and
 * lease renewal, and change notifications over Redis pub/sub, so several patchbay servers on
 * several hosts can share one state.
 */
import type { Redis } from "ioredis";
import type { Driver } from "unstorage";
import { PatchbayError } from "../errors/index.ts";
import { assertLockName } from "./lock.ts";
import type { NotificationChannel } from "./notifications.ts";

/** Every patchbay key in Redis starts with this, e.g. `patchbay:records:job:j1`. */
export const REDIS_BASE = "patchbay";

/** Keys read per SCAN step; the default (10) costs one round trip per ten keys. */
const SCAN_COUNT = 1000;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LEASE_MS = 30_000;

/** Delete the lock only while it still holds our token: after expiry it may be someone else's. */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/** Extend the lease only while the lock is still ours. */
const RENEW_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export interface RedisLockOptions {
  timeoutMs?: number;
  /** The key expires this long after the last renewal, so a killed holder frees it by itself. */
  leaseMs?: number;
}

export async function createRedisDriver(url: string | undefined): Promise<Driver> {
  if (!url) {
    throw new PatchbayError("invalid_config", 'state.driver is "redis" but state.redis_url is empty', {
      next: 'set state.redis_url to a redis:// URL in config.toml, e.g. redis_url = "redis://127.0.0.1:6379"',
    });
  }
  // Loaded on use: unstorage's redis driver brings ioredis, which every CLI command and relay start would pay for.
  const { default: redisDriver } = await import("unstorage/drivers/redis");
  // A refused connection should fail a call quickly, not queue it for ever.
  return redisDriver({ url, base: REDIS_BASE, scanCount: SCAN_COUNT, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}

/** The ioredis client behind an unstorage redis driver. */
export function redisClientOf(driver: Driver): Redis {
  return (driver as unknown as { getInstance(): Redis }).getInstance();
}

/** Raw values of many keys in one MGET, without unstorage's destr coercion. */
export async function redisGetMany(client: Redis, keys: string[]): Promise<Array<string | null>> {
  if (keys.length === 0) return [];
  return client.mget(...keys.map((key) => `${REDIS_BASE}:${key}`));
}

/** Tail of each lock's in-process queue: callers in one process wait their turn instead of spinning on Redis. */
const queues = new Map<string, Promise<void>>();

/**
 * Run `fn` holding the Redis lock `name` (key `patchbay:lock:<name>`). Not reentrant.
 *
 * @example
 * await withRedisLock(client, "mailbox-team", () => deliver());
 */
export async function withRedisLock<T>(client: Redis, name: string, fn: () => Promise<T>, options: RedisLockOptions = {}): Promise<T> {
  assertLockName(name);
  const key = `${REDIS_BASE}:lock:${name}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const previous = queues.get(key) ?? Promise.resolve();
  let endTurn!: () => void;
  const tail = previous.then(() => new Promise<void>((done) => (endTurn = done)));
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  let ourTurn = false;
  try {
    await raceDeadline(previous, deadline, () => timeoutError(client, name, key));
    ourTurn = true;
    const token = crypto.randomUUID();
    for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
      if ((await client.set(key, token, "PX", leaseMs, "NX")) === "OK") break;
      if (Date.now() >= deadline) throw await timeoutError(client, name, key);
      await sleep(delay + Math.random() * delay);
    }
    const renewal = setInterval(() => void client.eval(RENEW_SCRIPT, 1, key, token, String(leaseMs)).catch(() => undefined), Math.max(leaseMs / 3, 10));
    try {
      return await fn();
    } finally {
      clearInterval(renewal);
      await client.eval(RELEASE_SCRIPT, 1, key, token).catch(() => undefined);
    }
  } finally {
    // A caller that timed out in the queue still ends its turn, so later callers are not stuck behind it.
    if (ourTurn) endTurn();
    else void previous.then(() => endTurn());
  }
}

async function raceDeadline(promise: Promise<void>, deadline: number, onTimeout: () => Promise<Error>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((done) => (timer = setTimeout(() => done("expired"), Math.max(deadline - Date.now(), 0))));
  try {
    if ((await Promise.race([promise.then(() => "ok" as const), expired])) === "expired") throw await onTimeout();
  } finally {
    clearTimeout(timer);
  }
}

async function timeoutError(client: Redis, name: string, key: string): Promise<PatchbayError> {
  const ttl = await client.pttl(key).catch(() => -2);
  return new PatchbayError("lock_timeout", `lock "${name}" is held by another patchbay process${ttl > 0 ? ` for up to ${ttl} ms more` : ""}`, {
    next: "retry shortly; a lock whose holder died expires by itself when its lease runs out",
    details: { lock: name, key, ttl_ms: ttl },
  });
}

/** Index and counter names: key-safe text, `:` allowed as a separator. */
const STRUCTURE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,299}$/;

/** The Redis key of a named structure, `patchbay:<area>:<name>`; a name that is not key-safe is refused. */
export function structureKey(area: "index" | "count" | "log" | "value", name: string): string {
  if (!STRUCTURE_NAME_PATTERN.test(name)) {
    throw new PatchbayError("invalid_key", `${area} name ${JSON.stringify(name)} is not a safe name`, {
      next: "use 1-300 characters from A-Z a-z 0-9 _ . : - starting with a letter or digit",
      details: { name },
    });
  }
  return `${REDIS_BASE}:${area}:${name}`;
}

/** One change to a sorted-set index. */
export type IndexChange = { add: string; member: string; score: number } | { remove: string; member: string };

/**
 * Sorted sets next to the records (`patchbay:index:<name>`), so a lookup reads the few ids it
 * needs instead of listing a whole record kind. An index is a hint kept by its writer: readers
 * still check the records it points to.
 */
export interface StoreIndexes {
  /** Applies every change in one MULTI round trip. */
  apply(changes: readonly IndexChange[]): Promise<void>;
  /** Members by ascending score (ties by member), ZRANGE semantics: `stop` -1 is the last one; `reverse` for descending. */
  range(name: string, start: number, stop: number, options?: { reverse?: boolean }): Promise<string[]>;
}

/** Counters shared by every server (`patchbay:count:<name>:<window>`), one per name and time window. */
export interface WindowCounter {
  /**
   * Counts one hit in the current window (atomic INCR + PEXPIRE) and returns the sliding estimate:
   * this window's count plus the previous window's, weighted by how much of it still overlaps.
   */
  hit(name: string, windowMs: number): Promise<number>;
  /** Forgets the counts of `name` (after a ban, the count starts again from zero). */
  reset(name: string, windowMs: number): Promise<void>;
}

export function redisIndexes(client: Redis): StoreIndexes {
  return {
    async apply(changes) {
      if (changes.length === 0) return;
      const multi = client.multi();
      for (const change of changes) {
        if ("add" in change) multi.zadd(structureKey("index", change.add), change.score, change.member);
        else multi.zrem(structureKey("index", change.remove), change.member);
      }
      const results = await multi.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    },
    async range(name, start, stop, options = {}) {
      const key = structureKey("index", name);
      return options.reverse ? client.zrevrange(key, start, stop) : client.zrange(key, start, stop);
    },
  };
}

export function redisWindowCounter(client: Redis): WindowCounter {
  return {
    async hit(name, windowMs) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      const current = `${structureKey("count", name)}:${window}`;
      const previous = `${structureKey("count", name)}:${window - 1}`;
      // The key outlives its window by one more, while the next window still weighs it.
      const results = await client
        .multi()
        .incr(current)
        .pexpire(current, windowMs * 2)
        .get(previous)
        .exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error("Redis MULTI was discarded");
      const count = Number(results[0]![1]);
      const before = Number(results[2]![1] ?? 0);
      const overlap = 1 - (now - window * windowMs) / windowMs;
      return count + before * overlap;
    },
    async reset(name, windowMs) {
      const window = Math.floor(Date.now() / windowMs);
      await client.del(`${structureKey("count", name)}:${window}`, `${structureKey("count", name)}:${window - 1}`);
    },
  };
}

/**
 * Pub/sub on channels `patchbay:notify:<topic>`. A subscribed ioredis connection cannot run other
 * commands, so subscriptions use a second connection, opened on first use.
 */
export function redisChannel(client: Redis): NotificationChannel & { close(): Promise<void> } {
  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const channelOf = (topic: string) => `${REDIS_BASE}:notify:${topic}`;

  function connection(): Redis {
    if (subscriber) return subscriber;
    const created = client.duplicate();
    created.on("message", (channel: string, payload: string) => {
      for (const handler of handlers.get(channel) ?? []) handler(payload);
    });
    // ioredis reconnects and resubscribes by itself; an error event without a listener would crash.
    created.on("error", () => undefined);
    subscriber = created;
    return created;
  }

  return {
    async publish(topic, payload) {
      await client.publish(channelOf(topic), payload);
    },
    async subscribe(topic, handler) {
      const channel = channelOf(topic);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await connection().subscribe(channel);
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(channel);
        if (!current?.delete(handler) || current.size > 0) return;
        handlers.delete(channel);
        await subscriber?.unsubscribe(channel).catch(() => undefined);
      };
    },
    async close() {
      handlers.clear();
      subscriber?.disconnect();
      subscriber = undefined;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
