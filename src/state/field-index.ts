/**
 * Field indexes: for the record kinds listed in INDEXED_FIELDS, one stored document per kind
 * (`record-index:<kind>`: field → value → ids) so a lookup by name, repository or "not stopped"
 * reads the few records it names instead of every record of the kind.
 *
 * Crash safety without a journal: a write adds the record's new values to the index before the
 * record is written and drops the values it no longer holds only after, so whatever moment a
 * process dies at, the index names a superset of the right ids. Readers check the records they
 * load, and an entry the record contradicts (left by a crash) is repaired under the record's lock. Written under the kind's index lock, the same lock file
 * (fs) or Redis key (redis) every process sharing the store takes.
 */
import type { Storage } from "unstorage";
import type { RecordKind } from "./keys.ts";

/**
 * The fields indexed per kind: by their text ("value"; absent is "") or only whether they are set
 * ("presence": "" or "set", so a timestamp does not make every record a value of its own).
 */
export const INDEXED_FIELDS: Partial<Record<RecordKind, Readonly<Record<string, "value" | "presence">>>> = {
  // Workers by name (lookups), repository (lists in a session's roots) and whether they were stopped.
  worker: { name: "value", repo: "value", stopped_at: "presence" },
  // Jobs by the agent session they ran in, with the repository and agent of each (codex_list_sessions, a session's continuation).
  job: { session_id: "value", repo: "value", agent: "value" },
};

/** field → value → ids. */
export type FieldIndex = Record<string, Record<string, string[]>>;

/** What a record contributes: field → value. */
export type Values = Record<string, string>;

interface IndexDeps {
  storage: Storage;
  lock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Every record of a kind, for the one-time build of an index that does not exist yet. */
  scan(kind: RecordKind): Promise<Array<{ id: string; data: unknown }>>;
}

export interface FieldIndexes {
  /** The kind's index (built from the records on first use); undefined for a kind that has none. */
  read(kind: RecordKind): Promise<FieldIndex | undefined>;
  /** Before writing a record: index `data`'s values for `id`. */
  beforeWrite(kind: RecordKind, id: string, data: unknown): Promise<void>;
  /** After writing (or removing, `data` undefined) a record: drop the values it held before (`before`, from valuesOf) that it no longer holds. */
  afterWrite(kind: RecordKind, id: string, before: Values | undefined, data: unknown): Promise<void>;
  /** Under the record's lock (no write of it in flight): make the index hold exactly the stored record's `values` for `id` (undefined: none). */
  repair(kind: RecordKind, id: string, values: Values | undefined): Promise<void>;
}

export function fieldIndexes(deps: IndexDeps): FieldIndexes {
  const key = (kind: RecordKind) => `record-index:${kind}`;

  /**
   * The index last parsed per kind, with the bytes it came from: bytes that did not change are not
   * parsed again (at 1,000 workers the document is 83 KB, 1.5 ms to parse on every lookup by name).
   */
  const parsed = new Map<RecordKind, { raw: Buffer; index: FieldIndex }>();

  /** The kind's index as stored: shared with other readers, so read only; `fresh`, a copy of its own to change. */
  async function load(kind: RecordKind, fresh = false): Promise<FieldIndex | undefined> {
    const stored: unknown = await deps.storage.getItemRaw(key(kind));
    if (stored === null || stored === undefined) return undefined;
    const raw = typeof stored === "string" ? Buffer.from(stored) : Buffer.from(stored as Uint8Array);
    const kept = parsed.get(kind);
    if (!fresh && kept?.raw.equals(raw)) return kept.index;
    let index: FieldIndex;
    try {
      index = JSON.parse(raw.toString("utf8")) as FieldIndex;
    } catch {
      // A damaged index is rebuilt from the records, which stay the truth.
      return undefined;
    }
    if (!fresh) parsed.set(kind, { raw, index });
    return index;
  }

  /** Changes the kind's index under its lock, building it first when it is missing. */
  async function change(kind: RecordKind, fn: (index: FieldIndex) => boolean): Promise<FieldIndex> {
    return deps.lock(`index-${kind}`, async () => {
      let index = await load(kind, true);
      let dirty = false;
      if (!index) {
        index = build(kind, await deps.scan(kind));
        dirty = true;
      }
      if (fn(index) || dirty) await deps.storage.setItemRaw(key(kind), JSON.stringify(index));
      return index;
    });
  }

  return {
    async read(kind) {
      if (!INDEXED_FIELDS[kind]) return undefined;
      return (await load(kind)) ?? change(kind, () => false);
    },

    async beforeWrite(kind, id, data) {
      const values = valuesOf(kind, data);
      if (!values) return;
      const index = await load(kind);
      if (index && Object.entries(values).every(([field, value]) => index[field]?.[value]?.includes(id))) return;
      await change(kind, (current) => add(current, id, values));
    },

    async afterWrite(kind, id, before, data) {
      if (!before) return;
      const after = valuesOf(kind, data) ?? {};
      const gone = Object.fromEntries(Object.entries(before).filter(([field, value]) => after[field] !== value));
      if (Object.keys(gone).length === 0) return;
      await change(kind, (current) => drop(current, id, gone));
    },

    async repair(kind, id, values) {
      await change(kind, (current) => {
        const held = Object.fromEntries(
          Object.entries(current).flatMap(([field, byValue]) =>
            Object.entries(byValue).flatMap(([value, ids]) => (ids.includes(id) && values?.[field] !== value ? [[field, value]] : [])),
          ),
        );
        return drop(current, id, held) || (values !== undefined && add(current, id, values));
      });
    },
  };
}

export function valuesOf(kind: RecordKind, data: unknown): Values | undefined {
  const fields = INDEXED_FIELDS[kind];
  if (!fields || typeof data !== "object" || data === null) return undefined;
  const record = data as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(fields).map(([field, how]) => {
      const value = record[field];
      if (value === undefined || value === null) return [field, ""];
      return [field, how === "presence" ? "set" : String(value)];
    }),
  );
}

function build(kind: RecordKind, records: Array<{ id: string; data: unknown }>): FieldIndex {
  const index: FieldIndex = {};
  for (const record of records) add(index, record.id, valuesOf(kind, record.data) ?? {});
  return index;
}

function add(index: FieldIndex, id: string, values: Values): boolean {
  let changed = false;
  for (const [field, value] of Object.entries(values)) {
    const ids = ((index[field] ??= {})[value] ??= []);
    if (ids.includes(id)) continue;
    ids.push(id);
    changed = true;
  }
  return changed;
}

function drop(index: FieldIndex, id: string, values: Values): boolean {
  let changed = false;
  for (const [field, value] of Object.entries(values)) {
    const ids = index[field]?.[value];
    if (!ids?.includes(id)) continue;
    const kept = ids.filter((other) => other !== id);
    if (kept.length) index[field]![value] = kept;
    else delete index[field]![value];
    changed = true;
  }
  return changed;
}
