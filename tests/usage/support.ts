/** Usage test support: the entries a home's ledger holds, read straight from its day files or from Redis. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRecordStore } from "../../src/state/index.ts";
import { type UsageEntry, usageLedger } from "../../src/usage/index.ts";

/** Every line of the home's ledger day files (not their summed rows), oldest day first, as written. */
export function ledgerLines(home: string): string[] {
  const dir = join(home, "state", "usage");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .sort()
    .flatMap((name) => readFileSync(join(dir, name), "utf8").split("\n").filter(Boolean));
}

export function ledgerEntries(home: string): UsageEntry[] {
  return ledgerLines(home).map((line) => JSON.parse(line) as UsageEntry);
}

/** Every entry the Redis ledger at `redisUrl` holds, read through a store of its own (as another server would). */
export async function redisEntries(home: string, redisUrl: string): Promise<UsageEntry[]> {
  const store = await createRecordStore({ home, driver: "redis", redisUrl });
  try {
    return await usageLedger(home, store).entries();
  } finally {
    await store.close();
  }
}
