import type * as v from "valibot";

/** A deprecated per-agent key: `<name><suffix>` in a table, read as `<into>.<name>`. */
export interface KeyAlias {
  /** `_command` in [agents], `_models` in [workers]. */
  suffix: string;
  /** The table of name to value it is read into: `commands`, `models`. */
  into: string;
  /** The schema of one value, so an alias is checked as its new key is. */
  value: v.GenericSchema;
}

/**
 * A table that also reads each deprecated `<name><suffix> = …` key as `<into>.<name>` (the new key
 * wins where both name an agent), for any name: config names no agent. A wrapper rather than a
 * pipe step because valibot skips later steps once a key has a problem, and a file's problems are
 * reported all at once; an alias's problem names the key as it was written.
 *
 * @example
 * const agents = withKeyAliases(table({ commands: ... }), { suffix: "_command", into: "commands", value: executable() });
 * v.parse(agents, { codex_command: "/opt/codex" }).commands; // { codex: "/opt/codex" }
 */
export function withKeyAliases<S extends v.GenericSchema<unknown, Record<string, unknown>>>(table: S, alias: KeyAlias): S {
  const pattern = new RegExp(`^([a-z][a-z0-9_-]{0,31})${alias.suffix}$`);
  return {
    ...table,
    "~run"(dataset, config) {
      const input = dataset.value;
      const aliases = isTable(input) ? Object.keys(input).filter((key) => pattern.test(key)) : [];
      if (!isTable(input) || aliases.length === 0) return table["~run"](dataset, config);
      const result = table["~run"]({ value: Object.fromEntries(Object.entries(input).filter(([key]) => !pattern.test(key))) }, config);
      const lifted: Record<string, unknown> = {};
      for (const key of aliases) {
        const checked = alias.value["~run"]({ value: input[key] }, config);
        if (!checked.issues) {
          lifted[pattern.exec(key)?.[1] ?? key] = checked.value;
          continue;
        }
        const at = { type: "object", origin: "value", input, key, value: input[key] } as const;
        const issues = checked.issues.map((issue) => ({ ...issue, path: [at, ...(issue.path ?? [])] }));
        result.issues = [...(result.issues ?? []), ...issues] as typeof result.issues;
        result.typed = false;
      }
      if (!result.issues) result.value = { ...result.value, [alias.into]: { ...lifted, ...(result.value[alias.into] as object) } };
      return result;
    },
  };
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
