/**
 * The name a caller most likely meant when it used one that does not exist: a tool's argument
 * (`path` for `file_path`), a tool (`read_file` for `codex_read_file`), a command or a flag
 * (`wroker` for `worker`). A refusal that says so turns a wrong guess, a model's or a person's,
 * into one retry instead of a search through the catalog or the help.
 */

/** Edits between two names: insertions, deletions, substitutions and swaps of neighbours (`qurey`). */
export function editDistance(a: string, b: string): number {
  const rows = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * Whether `inner`'s words run, whole, inside `outer`'s, with `_` and `-` both separating words:
 * `path` in `file_path`, `read_file` in `codex_read_file`, `cloudflared` in `install-cloudflared`.
 */
function holdsWords(outer: string, inner: string): boolean {
  const words = (name: string) => `_${name.replaceAll("-", "_")}_`;
  return words(outer).includes(words(inner));
}

/** What models call a tool's cap when it names it `max_results`, `max_bytes` or `max_entries`. */
const CAP_WORDS = new Set(["limit", "max", "count", "top_k", "n"]);

export interface MeantOptions {
  /**
   * Names to prefer, in order: required arguments not given (`path` beside a missing `file_path`
   * means it, not `repo_path`), or the tools of the session's own mode.
   */
  first?: readonly string[];
  /** The unknown name is the only one: beside a lone name of `first`, it means that one (`q` for `query`). */
  alone?: boolean;
}

/**
 * The name of `names` that `unknown` most likely meant, or undefined: one whose words hold it
 * (`path` → `file_path`), the one `max_…` cap for `limit`, the nearest within two edits, one for a
 * short name (`qurey` → `query`), else the longest it holds (`mcp__patchbay__codex_read_file`).
 */
export function likelyMeant(unknown: string, names: readonly string[], options: MeantOptions = {}): string | undefined {
  const first = options.first ?? [];
  const given = unknown.toLowerCase();
  const ranked = [...first, ...names.filter((name) => !first.includes(name))];
  // A name holding the given words (`read_file` is `codex_read_file`, not the alias `read`), a near
  // spelling (`codex_read_fille`, which holds `read` too), then the longest name the given one holds.
  const holding = ranked.find((name) => holdsWords(name, given));
  if (holding) return holding;
  const caps = names.filter((name) => name.startsWith("max_"));
  if (CAP_WORDS.has(given) && caps.length === 1) return caps[0];
  let best: { name: string; distance: number } | undefined;
  for (const name of ranked) {
    const distance = editDistance(given, name);
    if (distance <= Math.max(1, Math.min(2, Math.floor(given.length / 4))) && (!best || distance < best.distance)) best = { name, distance };
  }
  if (best) return best.name;
  const held = ranked.filter((name) => holdsWords(given, name)).sort((a, b) => b.length - a.length)[0];
  return held ?? (first.length === 1 && options.alone ? first[0] : undefined);
}
