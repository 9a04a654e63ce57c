/** Prints `value` as JSON for scripts, or `text()` for people; both to stdout. */
export function emit(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/**
 * A nested value as `a.b: value` lines for people: lists joined, empty values left out.
 *
 * @example
 * settingLines({ phases: { write: { executable: "/usr/bin/codex", env: {} } } }); // ["phases.write.executable: /usr/bin/codex"]
 */
export function settingLines(value: unknown, path = ""): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.length ? [`${path}: ${value.map(String).join(", ")}`] : [];
  if (typeof value === "object") return Object.entries(value).flatMap(([key, inner]) => settingLines(inner, path ? `${path}.${key}` : key));
  return [`${path}: ${String(value)}`];
}
