/**
 * Lookups in a parsed field index (src/state/index-lookup.ts) against their definition: an id
 * passes when, for every field tested, it is listed under some value that passes. Indexes here
 * include ids listed under several values of one field, as a crash between a record's write and
 * its index's leaves them, and tests that pass no value, one, or many.
 */
import { describe, expect, test } from "bun:test";
import type { FieldIndex } from "../../src/state/index.ts";
import { idsWhere, valuesById } from "../../src/state/index-lookup.ts";
import { seededRandom } from "./fixtures/index-ops.ts";

const FIELDS = ["name", "repo", "stopped_at"];

function randomIndex(random: () => number): FieldIndex {
  const ids = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) => `wrk_${String(i).padStart(3, "0")}`);
  const index: FieldIndex = {};
  for (const field of FIELDS) {
    const values = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => `${field}-${i}`);
    const byValue: Record<string, string[]> = {};
    for (const id of ids) {
      if (random() < 0.1) continue; // a record written before the field was indexed
      // Mostly one value per id; sometimes a second, as a crash leaves.
      const held = random() < 0.15 ? 2 : 1;
      for (let n = 0; n < held; n++) {
        const listed = (byValue[values[Math.floor(random() * values.length)]!] ??= []);
        if (!listed.includes(id)) listed.push(id);
      }
    }
    index[field] = byValue;
  }
  return index;
}

function randomTest(random: () => number): (value: string) => boolean {
  const kind = Math.floor(random() * 4);
  const wanted = String(Math.floor(random() * 6));
  if (kind === 0) return (value) => value.endsWith(`-${wanted}`);
  if (kind === 1) return (value) => !value.endsWith(`-${wanted}`);
  if (kind === 2) return () => true;
  return () => false;
}

/** The definition, by brute force over every id the index names. */
function reference(index: FieldIndex, where: Record<string, (value: string) => boolean>): string[] {
  const ids = new Set(Object.values(index).flatMap((byValue) => Object.values(byValue).flat()));
  return [...ids]
    .filter((id) =>
      Object.entries(where).every(([field, test]) => Object.entries(index[field] ?? {}).some(([value, listed]) => test(value) && listed.includes(id))),
    )
    .sort();
}

describe("index lookups", () => {
  test("every lookup, over one to three fields, names exactly the ids the definition does, each once", () => {
    const random = seededRandom(7);
    for (let round = 0; round < 300; round++) {
      const index = randomIndex(random);
      for (let ask = 0; ask < 6; ask++) {
        const fields = FIELDS.filter(() => random() < 0.6);
        if (fields.length === 0) continue;
        const where = Object.fromEntries(fields.map((field) => [field, randomTest(random)]));
        const found = idsWhere(index, where)!;
        // Asked twice: the second answer comes from what the first kept.
        expect([...found].sort()).toEqual(reference(index, where));
        expect([...idsWhere(index, where)!].sort()).toEqual(reference(index, where));
        expect(new Set(found).size).toBe(found.length);
      }
    }
  });

  test("a field the index does not hold passes nobody, and an empty test passes every id (left to the caller)", () => {
    const index: FieldIndex = { name: { a: ["wrk_1"] } };
    expect(idsWhere(index, { missing: () => true })).toEqual([]);
    expect(idsWhere(index, { name: () => true, missing: () => true })).toEqual([]);
    expect(idsWhere(index, {})).toBeUndefined();
  });

  test("an id listed under two values of a field is known by both", () => {
    const index: FieldIndex = { repo: { "/one": ["wrk_1", "wrk_2"], "/two": ["wrk_1"] } };
    expect(valuesById(index, "repo").get("wrk_1")).toEqual(["/one", "/two"]);
    expect(idsWhere(index, { repo: () => true })!.sort()).toEqual(["wrk_1", "wrk_2"]);
  });
});
