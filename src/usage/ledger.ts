/**
 * The usage ledger: append-only, one line per turn, grouped by UTC day so a reader opens only the
 * days it asks for. On the fs driver each day is `<home>/state/usage/<day>.jsonl`, appended with
 * one write (O_APPEND) and synced before the turn counts as ended; a line cut short by a crash has
 * no newline and is skipped (the next entry starts on a line of its own), so a reader never
 * invents an entry. Beside each day its rows (rows.ts) are kept summed with the byte count they
 * cover (`<day>.rows.json`, a cache rebuilt from the day file when missing): a roll-up reads
 * only what was appended since, so `patchbay usage` over 100,000 turns and the budget check
 * before every turn stay fast. On Redis each day is a sorted set (`patchbay:index:usage:<day>`,
 * scored by time) plus the set of days, written in one MULTI.
 */
import { mkdir, open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/index.ts";
import { writeFileAtomic } from "../runtime/index.ts";
import { createRecordStore, type RecordStore, type StoreIndexes } from "../state/index.ts";
import { dayOf, type UsageEntry } from "./entry.ts";
import { addToRows, rowOf, type UsageRow } from "./rows.ts";

export interface UsageLedger {
  /** Appends one entry; resolves once it is durable. */
  record(entry: UsageEntry): Promise<void>;
  /** Every entry from `sinceDay` (YYYY-MM-DD, inclusive) on, oldest day first. */
  entries(sinceDay?: string): Promise<UsageEntry[]>;
  /** The same entries summed into day rows (rows.ts): what every roll-up but one by job reads. */
  rows(sinceDay?: string): Promise<UsageRow[]>;
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAYS_INDEX = "usage-days";
const NEWLINE = 0x0a;
/** The shape of `<day>.rows.json`; a cache of another shape (older totals) is rebuilt from the day file. */
const ROWS_VERSION = 2;

/** The directory of the fs ledger: beside the records, inside the state directory. */
export function ledgerDir(home: string): string {
  return join(home, "state", "usage");
}

/** A ledger its caller opened, and closes once done with it. */
export interface HomeLedger extends UsageLedger {
  /** Closes the store it opened (with Redis, its connection); it opens again if used after. */
  close(): Promise<void>;
}

/**
 * The ledger of a home wherever `state.driver` keeps it, for a process without the server's record
 * store (`patchbay usage`, the phases the CLI runs): the day files, or with Redis one store opened
 * at the first call and kept for the next ones until `close`.
 */
export function homeLedger(home: string, config: Config): HomeLedger {
  if (config.state.driver === "fs") return { ...fsLedger(ledgerDir(home)), close: async () => {} };
  let opened: Promise<RecordStore> | undefined;
  const open = () => {
    // A store that failed to open (Redis down) is tried again by the next call.
    opened ??= createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url }).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  const ledger = async () => usageLedger(home, await open());
  return {
    record: async (entry) => (await ledger()).record(entry),
    entries: async (sinceDay) => (await ledger()).entries(sinceDay),
    rows: async (sinceDay) => (await ledger()).rows(sinceDay),
    async close() {
      const store = opened;
      opened = undefined;
      await (await store?.catch(() => undefined))?.close();
    },
  };
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

/** Each complete line's entry (a torn last line has no newline yet); returns the bytes consumed. */
function parseLines(text: string, each: (entry: UsageEntry) => void): number {
  const end = text.lastIndexOf("\n") + 1;
  for (const line of text.slice(0, end).split("\n")) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as UsageEntry;
      if (typeof entry.id !== "string") continue;
      // Entries written before cache writes were recorded hold none.
      entry.cache_write_tokens ??= 0;
      each(entry);
    } catch {
      // A line damaged on disk is not an entry; the rest of the day still counts.
    }
  }
  return Buffer.byteLength(text.slice(0, end));
}

/** A day's rows and how many bytes of its file they cover; kept beside it as `<day>.rows.json`. */
interface DayRows {
  bytes: number;
  rows: Map<string, UsageRow>;
}

async function readFrom(file: string, offset: number, size: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

export function fsLedger(dir: string): UsageLedger {
  const cached = new Map<string, DayRows>();
  const dayFile = (day: string) => join(dir, `${day}.jsonl`);
  const rowsFile = (day: string) => join(dir, `${day}.rows.json`);

  async function days(sinceDay?: string): Promise<string[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    return names
      .flatMap((name) => DAY_FILE.exec(name)?.[1] ?? [])
      .filter((day) => !sinceDay || day >= sinceDay)
      .sort();
  }

  /** The rows saved for a day, or none when missing, unreadable or of an older shape (they are rebuilt from the day file). */
  async function savedRows(day: string): Promise<DayRows> {
    try {
      const saved = JSON.parse(await readFile(rowsFile(day), "utf8")) as { version?: number; bytes: number; rows: Array<[string, UsageRow]> };
      if (saved.version === ROWS_VERSION && typeof saved.bytes === "number" && Array.isArray(saved.rows))
        return { bytes: saved.bytes, rows: new Map(saved.rows) };
    } catch {
      // Missing or damaged: a cache, rebuilt below.
    }
    return { bytes: 0, rows: new Map() };
  }

  /** A day's rows, brought up to date with what was appended since they were summed. */
  async function dayRows(day: string): Promise<UsageRow[]> {
    let known = cached.get(day) ?? (await savedRows(day));
    const size = (await stat(dayFile(day))).size;
    if (size < known.bytes) known = { bytes: 0, rows: new Map() };
    if (size > known.bytes) {
      const consumed = parseLines(await readFrom(dayFile(day), known.bytes, size), (entry) => addToRows(known.rows, entry));
      if (consumed > 0) {
        known.bytes += consumed;
        // Only a cache: a reader that cannot write it sums the day again next time.
        await writeFileAtomic(rowsFile(day), JSON.stringify({ version: ROWS_VERSION, bytes: known.bytes, rows: [...known.rows] })).catch(() => {});
      }
    }
    cached.set(day, known);
    return [...known.rows.values()];
  }

  return {
    async record(entry) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const handle = await open(dayFile(dayOf(entry.at)), "a+", 0o600);
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
      const all: UsageEntry[] = [];
      for (const day of await days(sinceDay)) parseLines(await readFile(dayFile(day), "utf8"), (entry) => all.push(entry));
      return all;
    },
    async rows(sinceDay) {
      const all: UsageRow[] = [];
      for (const day of await days(sinceDay)) all.push(...(await dayRows(day)));
      return all;
    },
  };
}

function redisLedger(indexes: StoreIndexes): UsageLedger {
  const entries = async (sinceDay?: string) => {
    const days = (await indexes.range(DAYS_INDEX, 0, -1)).filter((day) => !sinceDay || day >= sinceDay);
    const all: UsageEntry[] = [];
    for (const day of days.sort()) parseLines(`${(await indexes.range(`usage:${day}`, 0, -1)).join("\n")}\n`, (entry) => all.push(entry));
    return all;
  };
  return {
    async record(entry) {
      const day = dayOf(entry.at);
      await indexes.apply([
        { add: `usage:${day}`, member: JSON.stringify(entry), score: Date.parse(entry.at) },
        { add: DAYS_INDEX, member: day, score: Date.parse(`${day}T00:00:00Z`) },
      ]);
    },
    entries,
    async rows(sinceDay) {
      return (await entries(sinceDay)).map((entry) => rowOf(entry));
    },
  };
}
