/**
 * Per-token rate limits with bans that outlive the process: a token over `perMinute` requests in
 * a sliding minute is refused for `banSeconds`, and the ban is a record, so a restart keeps it.
 *
 * fs (one server): this process counts each token's requests itself, exactly. Shared store
 * (Redis, several servers): one atomic counter per token and minute, INCR + PEXPIRE on the
 * store's Redis, so every server counts into the same number and the limit holds across them;
 * the sliding minute is estimated from this minute's count and the previous one's, weighted by
 * its overlap.
 */
import type { RecordStore } from "../state/index.ts";

export interface BanData {
  until: string;
  reason: string;
}

/** A ban in force: `id` is the first 40 hex digits of the banned token's hash. */
export interface Ban extends BanData {
  id: string;
}

/** The state channel's topic for "a ban began or was lifted" (src/state notifications). */
export const BANS_TOPIC = "bans";

export interface RateLimiter {
  /**
   * Counts `calls` requests (a JSON-RPC batch is one per message); `undefined` when allowed,
   * else the seconds until the ban ends.
   */
  hit(tokenHash: string, calls?: number): Promise<number | undefined>;
  /** The bans in force, read from the store (so a shared store's other servers' bans too), soonest to end first. */
  bans(): Promise<Ban[]>;
  /** Ends at once every ban whose id starts with `idPrefix`; the bans lifted. The token's minute starts afresh. */
  lift(idPrefix: string): Promise<Ban[]>;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(store: RecordStore, settings: { perMinute: number; banSeconds: number }): RateLimiter {
  const hits = new Map<string, number[]>();
  const bans = new Map<string, number>();
  let loaded: Promise<void> | undefined;

  // Token hashes are 64 hex digits; the ban record id keeps the first 40, enough to be unique.
  const banId = (hash: string) => hash.slice(0, 40);

  const counterName = (id: string) => `ratelimit:${id}`;

  /**
   * Requests of `id` in the last minute, these `calls` included. Counting stops one past the
   * limit: a batch of thousands bans as surely as one over, without thousands of counter writes.
   */
  async function count(id: string, now: number, calls: number): Promise<number> {
    const counted = Math.min(Math.max(1, Math.floor(calls)), settings.perMinute + 1);
    if (store.counter) {
      let total = 0;
      for (let i = 0; i < counted; i++) total = await store.counter.hit(counterName(id), WINDOW_MS);
      return total;
    }
    const recent = (hits.get(id) ?? []).filter((at) => at > now - WINDOW_MS);
    for (let i = 0; i < counted; i++) recent.push(now);
    hits.set(id, recent);
    return recent.length;
  }

  async function load(): Promise<void> {
    for (const record of await store.list<BanData>("ban")) {
      const until = Date.parse(record.data.until);
      if (until > Date.now()) bans.set(record.id, until);
      else await store.remove("ban", record.id).catch(() => undefined);
    }
  }

  async function inForce(): Promise<Ban[]> {
    const now = Date.now();
    return (await store.list<BanData>("ban"))
      .filter((record) => Date.parse(record.data.until) > now)
      .map((record) => ({ id: record.id, ...record.data }))
      .sort((a, b) => Date.parse(a.until) - Date.parse(b.until));
  }

  return {
    async hit(tokenHash, calls = 1) {
      await (loaded ??= load());
      const id = banId(tokenHash);
      const now = Date.now();
      // A shared store is the truth, read once: another server may have banned this token since we
      // loaded, or lifted its ban (then it is gone from the store, not from our memory).
      if (store.shared) {
        const record = await store.get<BanData>("ban", id);
        if (record) bans.set(id, Date.parse(record.data.until));
        else bans.delete(id);
      }
      const until = bans.get(id);
      if (until !== undefined && until > now) return Math.ceil((until - now) / 1000);
      if (until !== undefined) {
        bans.delete(id);
        await store.remove("ban", id).catch(() => undefined);
      }
      if ((await count(id, now, calls)) <= settings.perMinute) return undefined;
      const bannedUntil = now + settings.banSeconds * 1000;
      bans.set(id, bannedUntil);
      hits.delete(id);
      await store.counter?.reset(counterName(id), WINDOW_MS).catch(() => undefined);
      await store.put<BanData>("ban", id, { until: new Date(bannedUntil).toISOString(), reason: `over ${settings.perMinute} requests per minute` });
      await store.channel.publish(BANS_TOPIC, id).catch(() => undefined);
      return settings.banSeconds;
    },
    bans: inForce,
    async lift(idPrefix) {
      // A banned token's requests were not counted, so its minute is already empty.
      const lifted = (await inForce()).filter((ban) => ban.id.startsWith(idPrefix));
      for (const ban of lifted) {
        bans.delete(ban.id);
        await store.remove("ban", ban.id);
      }
      if (lifted.length) await store.channel.publish(BANS_TOPIC, lifted[0]!.id).catch(() => undefined);
      return lifted;
    },
  };
}
