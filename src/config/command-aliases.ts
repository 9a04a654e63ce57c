import type * as v from "valibot";

/** `<name>_command`: how [agents] named an agent's executable before `[agents.commands]`. */
const ALIAS = /^([a-z][a-z0-9_-]{0,31})_command$/;

type AgentsTable = v.GenericSchema<unknown, { commands: Record<string, string> }>;

/**
 * The [agents] table, reading each deprecated `<name>_command = "…"` key as `commands.<name>`
 * (`commands` wins where both name an agent), without naming any agent. A wrapper rather than a
 * pipe step because valibot skips later steps once a key has a problem, and a file's problems are
 * reported all at once; an alias's problem names the key as it was written.
 *
 * @example
 * const agents = withCommandAliases(table({ commands: ... }), executable());
 * v.parse(agents, { codex_command: "/opt/codex" }).commands; // { codex: "/opt/codex" }
 */
export function withCommandAliases<S extends AgentsTable>(table: S, executable: v.GenericSchema<string>): S {
  return {
    ...table,
    "~run"(dataset, config) {
      const input = dataset.value;
      const aliases = isTable(input) ? Object.keys(input).filter((key) => ALIAS.test(key)) : [];
      if (!isTable(input) || aliases.length === 0) return table["~run"](dataset, config);
      const result = table["~run"]({ value: Object.fromEntries(Object.entries(input).filter(([key]) => !ALIAS.test(key))) }, config);
      const lifted: Record<string, string> = {};
      for (const key of aliases) {
        const checked = executable["~run"]({ value: input[key] }, config);
        if (!checked.issues) {
          lifted[ALIAS.exec(key)?.[1] ?? key] = checked.value as string;
          continue;
        }
        const at = { type: "object", origin: "value", input, key, value: input[key] } as const;
        const issues = checked.issues.map((issue) => ({ ...issue, path: [at, ...(issue.path ?? [])] }));
        result.issues = [...(result.issues ?? []), ...issues] as typeof result.issues;
        result.typed = false;
      }
      if (!result.issues) result.value = { ...result.value, commands: { ...lifted, ...result.value.commands } };
      return result;
    },
  };
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
