/** Usage test support: the entries a home's fs ledger holds, read straight from its day files. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { UsageEntry } from "../../src/usage/index.ts";

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
