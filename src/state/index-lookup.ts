/**
 * Questions to a parsed field index (field-index.ts), each worked out once per parsed document: a
 * document handed to readers is replaced when its bytes change, never changed in place, so what
 * is derived from it stays right for as long as it is the one read. At 1,000 workers, listing the
 * name field's values on every lookup by name cost 116 µs; kept, the lookup walks an array.
 */
import type { FieldIndex } from "./field-index.ts";

/** A test of one field's indexed value, as `store.find` takes them. */
export type FieldTest = (value: string) => boolean;

interface Derived {
  /** field → its [value, ids] pairs. */
  pairs: Map<string, ReadonlyArray<readonly [string, readonly string[]]>>;
  /** field → id → the values indexed for it: one, or more where a crash left an old value's entry. */
  owners: Map<string, ReadonlyMap<string, readonly string[]>>;
}

const derived = new WeakMap<FieldIndex, Derived>();

function derivedOf(index: FieldIndex): Derived {
  let kept = derived.get(index);
  if (!kept) derived.set(index, (kept = { pairs: new Map(), owners: new Map() }));
  return kept;
}

/** The [value, ids] pairs of `field`. */
export function valuePairs(index: FieldIndex, field: string): ReadonlyArray<readonly [string, readonly string[]]> {
  const { pairs } = derivedOf(index);
  let kept = pairs.get(field);
  if (!kept) pairs.set(field, (kept = Object.entries(index[field] ?? {})));
  return kept;
}

/** id → the values `field` is indexed under for it. */
export function valuesById(index: FieldIndex, field: string): ReadonlyMap<string, readonly string[]> {
  const { owners } = derivedOf(index);
  let kept = owners.get(field);
  if (!kept) {
    const byId = new Map<string, string[]>();
    for (const [value, ids] of valuePairs(index, field)) {
      for (const id of ids) {
        const values = byId.get(id);
        if (values) values.push(value);
        else byId.set(id, [value]);
      }
    }
    owners.set(field, (kept = byId));
  }
  return kept;
}

/**
 * The ids indexed under a value that passes each field's test, unordered; undefined when `where`
 * tests no field (every id of the kind passes). The field whose passing values name the fewest ids
 * is walked, and the others are asked per id, so a lookup by name among 1,000 workers of one
 * repository does not build a set of the 1,000.
 */
export function idsWhere(index: FieldIndex, where: Readonly<Record<string, FieldTest>>): string[] | undefined {
  const tests = Object.entries(where);
  if (tests.length === 0) return undefined;
  const passing = tests.map(([field, test]) => {
    const ids: string[] = [];
    let values = 0;
    for (const [value, named] of valuePairs(index, field)) {
      if (!test(value)) continue;
      values++;
      for (const id of named) ids.push(id);
    }
    return { ids, values };
  });
  let fewest = 0;
  passing.forEach(({ ids }, at) => {
    if (ids.length < passing[fewest]!.ids.length) fewest = at;
  });
  const others = tests.filter((_, at) => at !== fewest).map(([field, test]) => [valuesById(index, field), test] as const);
  const { ids, values } = passing[fewest]!;
  const kept = others.length ? ids.filter((id) => others.every(([byId, test]) => byId.get(id)?.some(test) ?? false)) : ids;
  // A value names an id once: only ids gathered from several values can repeat.
  return values > 1 ? [...new Set(kept)] : kept;
}
