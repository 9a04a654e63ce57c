/**
 * Answers kept for one generation of a watched tree (repo-watch.ts): an answer found at
 * generation N stands while the tree still answers N, since nothing under the root has changed
 * since it was found; any other generation, or none (an unwatched tree), finds nothing. Generation
 * numbers are never given twice, across roots too, so a key needs no root of its own to be told
 * apart. Bounded by entries and by bytes; the least recently used goes first.
 */

interface Entry<T> {
  generation: number;
  value: T;
  bytes: number;
}

export interface GenerationMemo<T> {
  /** The value kept for `key` at `generation`, or undefined. */
  get(key: string, generation: number | undefined): T | undefined;
  /** Keeps `value` for `key` at `generation` (the one taken before the value was found); nothing for an unwatched tree or a value past the byte bound. */
  set(key: string, generation: number | undefined, value: T): void;
}

/**
 * @example
 * const resolved = generationMemo<string>({ entries: 1024 });
 * const generation = await treeGeneration(root);
 * const real = resolved.get(path, generation) ?? realpathSync(path);
 * resolved.set(path, generation, real);
 */
export function generationMemo<T>(limits: { entries: number; bytes?: number; sizeOf?: (value: T) => number }): GenerationMemo<T> {
  const kept = new Map<string, Entry<T>>();
  let keptBytes = 0;
  const forget = (key: string) => {
    const entry = kept.get(key);
    if (!entry) return;
    kept.delete(key);
    keptBytes -= entry.bytes;
  };
  return {
    get(key, generation) {
      const entry = kept.get(key);
      if (!entry || generation === undefined || entry.generation !== generation) return undefined;
      // Most recently used last.
      kept.delete(key);
      kept.set(key, entry);
      return entry.value;
    },
    set(key, generation, value) {
      forget(key);
      if (generation === undefined) return;
      const bytes = limits.sizeOf?.(value) ?? 0;
      if (limits.bytes !== undefined && bytes > limits.bytes) return;
      while (kept.size > 0 && (kept.size >= limits.entries || (limits.bytes !== undefined && keptBytes + bytes > limits.bytes))) {
        forget(kept.keys().next().value as string);
      }
      kept.set(key, { generation, value, bytes });
      keptBytes += bytes;
    },
  };
}
