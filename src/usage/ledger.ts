/**
 * The usage ledger: append-only, one line per turn, grouped by UTC day so a reader opens only the
 * days it asks for. On the fs driver each day is `<home>/state/usage/<day>.jsonl`, appended with
 * one write (O_APPEND) and synced before the turn counts as ended; a line cut short by a crash has
 * no newline and is skipped, and a repeated id is kept once, so a reader never invents an entry.
 * On Redis each day is a sorted set (`patchbay:index:usage:<day>`, scored by time) plus the set of
 * days, written in one MULTI. The reader keeps what it parsed and reads only what was appended
 * since, so budgets checked before every turn do not re-read the whole ledger.
 */
import { mkdir, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/index.ts";
import type { RecordStore, StoreIndexes } from "../state/index.ts";
import { dayOf, type UsageEntry } from "./entry.ts";

export interface UsageLedger {
  /** Appends one entry; resolves once it is durable. */
  record(entry: UsageEntry): Promise<void>;
  /** Every entry from `sinceDay` (YYYY-MM-DD, inclusive) on, oldest day first, each id once. */
  entries(sinceDay?: string): Promise<UsageEntry[]>;
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAYS_INDEX = "usage-days";
const NEWLINE = 0x0a;

/** The directory of the fs ledger: beside the records, inside the state directory. */
export function ledgerDir(home: string): string {
  return join(home, "state", "usage");
}

/**
 * The fs ledger of a home, for a process without the server's record store (the CLI, a phase run
 * in the CLI); undefined with state.driver "redis", whose ledger only a store reaches.
 */
export function localLedger(home: string, config: Config): UsageLedger | undefined {
  return config.state.driver === "fs" ? fsLedger(ledgerDir(home)) : undefined;
}

const ledgers = new WeakMap<RecordStore, UsageLedger>();

/** The ledger of a store: one per store, so the job runtime and the tools share what was parsed. */
export function usageLedger(home: string, store: RecordStore): UsageLedger {
  let ledger = ledgers.get(store);
  if (!ledger) {
    ledger = store.indexes ? redisLedger(store.indexes) : fsLedger(ledgerDir(home));
    ledgers.set(store, ledger);
  }
  return ledger;
}

/** Complete lines only (a torn last line has no newline yet), each parsed entry once per id. */
function parseLines(text: string, into: Map<string, UsageEntry>): number {
  const end = text.lastIndexOf("\n") + 1;
  for (const line of text.slice(0, end).split("\n")) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as UsageEntry;
      if (typeof entry.id === "string" && !into.has(entry.id)) into.set(entry.id, entry);
    } catch {
      // A line damaged on disk is not an entry; the rest of the day still counts.
    }
  }
  return Buffer.byteLength(text.slice(0, end));
}

export function fsLedger(dir: string): UsageLedger {
  /** Per day: the bytes parsed so far and the entries they held. */
  const parsed = new Map<string, { bytes: number; entries: Map<string, UsageEntry> }>();

  async function readDay(day: string): Promise<UsageEntry[]> {
    const file = join(dir, `${day}.jsonl`);
    const seen = parsed.get(day) ?? { bytes: 0, entries: new Map<string, UsageEntry>() };
    const size = (await stat(file)).size;
    if (size > seen.bytes) {
      const handle = await open(file, "r");
      try {
        const buffer = Buffer.alloc(size - seen.bytes);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, seen.bytes);
        seen.bytes += parseLines(buffer.subarray(0, bytesRead).toString("utf8"), seen.entries);
      } finally {
        await handle.close();
      }
      parsed.set(day, seen);
    }
    return [...seen.entries.values()];
  }

  return {
    async record(entry) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const handle = await open(join(dir, `${dayOf(entry.at)}.jsonl`), "a+", 0o600);
      try {
        // A writer killed mid-line left a tail without a newline: start on a line of our own.
        const { size } = await handle.stat();
        const last = size > 0 ? (await handle.read(Buffer.alloc(1), 0, 1, size - 1)).buffer[0] : NEWLINE;
        // One write of the whole line: appends of concurrent writers never interleave inside it.
        await handle.write(`${last === NEWLINE ? "" : "\n"}${JSON.stringify(entry)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    async entries(sinceDay) {
      const names = await readdir(dir).catch(() => [] as string[]);
      const days = names.flatMap((name) => DAY_FILE.exec(name)?.[1] ?? []).filter((day) => !sinceDay || day >= sinceDay);
      const seen = new Set<string>();
      const all: UsageEntry[] = [];
      for (const day of days.sort()) {
        for (const entry of await readDay(day)) {
          // An entry is filed under the day it ended, so an id seen twice can only be a repeat.
          if (seen.has(entry.id)) continue;
          seen.add(entry.id);
          all.push(entry);
        }
      }
      return all;
    },
  };
}

function redisLedger(indexes: StoreIndexes): UsageLedger {
  return {
    async record(entry) {
      const day = dayOf(entry.at);
      await indexes.apply([
        { add: `usage:${day}`, member: JSON.stringify(entry), score: Date.parse(entry.at) },
        { add: DAYS_INDEX, member: day, score: Date.parse(`${day}T00:00:00Z`) },
      ]);
    },
    async entries(sinceDay) {
      const days = (await indexes.range(DAYS_INDEX, 0, -1)).filter((day) => !sinceDay || day >= sinceDay);
      const byId = new Map<string, UsageEntry>();
      for (const day of days.sort()) parseLines(`${(await indexes.range(`usage:${day}`, 0, -1)).join("\n")}\n`, byId);
      return [...byId.values()];
    },
  };
}
