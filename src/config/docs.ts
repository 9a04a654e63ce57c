import { writeFileSync } from "node:fs";
import * as v from "valibot";
import { configSchema, shown } from "./schema.ts";

/** One documented key: `allowed` is the same text its error messages use after "expected". */
export interface ConfigKeyDoc {
  key: string;
  default: string;
  allowed: string;
  description: string;
}

/** The shape of the schema parts this walk reads: tables have entries, keys are optional(default). */
interface SchemaNode extends v.GenericSchema {
  entries?: Record<string, SchemaNode>;
  wrapped?: SchemaNode;
  default?: unknown;
}

/** Every key of the config file, in schema order, derived from the schema itself. */
export function describeConfig(): ConfigKeyDoc[] {
  return describeEntries((configSchema as SchemaNode).entries ?? {}, "");
}

function describeEntries(entries: Record<string, SchemaNode>, prefix: string): ConfigKeyDoc[] {
  return Object.entries(entries).flatMap(([name, entry]) => {
    const key = `${prefix}${name}`;
    const field = entry.wrapped ?? entry;
    if (field.entries) return describeEntries(field.entries, `${key}.`);
    const { expected = "" } = v.getMetadata(field) as { expected?: string };
    return [{ key, default: shown(entry.default), allowed: expected, description: v.getDescription(field) ?? "" }];
  });
}

export const configDocsFile = new URL("../../docs/configuration.md", import.meta.url);

const INTRO = `# Configuration

<!-- Generated from src/config/schema.ts by \`bun src/config/docs.ts\`; tests/config fails when it is stale. -->

patchbay builds its settings from four layers; each overrides the one before it key by key, and a
list replaces the list before it rather than adding to it:

1. the defaults below;
2. \`$PATCHBAY_HOME/config.toml\` (\`$PATCHBAY_HOME\` defaults to \`~/.patchbay\`), or the file given with
   \`--config FILE\` to \`start\` or \`stdio\`: this TOML, or the original PatchBay's \`config.yaml\`, converted
   as \`patchbay settings import FILE.yaml\` does (see docs/hosts.md, "Coming from the original PatchBay");
3. a named profile, \`$PATCHBAY_HOME/profiles/<name>.toml\`, with the same keys;
4. the launch flags of \`patchbay start\` and \`patchbay stdio\`.

Unknown keys are errors, so a typo cannot pass silently. Paths must be absolute. Top-level keys go
before the first \`[table]\`. Tokens never go in these files: \`auth.token_env\` names the environment
variable that holds the HTTP token.

Launch flags:
- \`--host\` and \`--port\` set \`server.host\` and \`server.port\`; \`--port 0\` picks any free port.
- \`--tool-mode\` sets \`app.tool_mode\`.
- \`--root DIR\` sets \`repositories.default\` to DIR and \`repositories.allowed\` to DIR plus each
  \`--allow-root\`; \`--allow-root\` alone sets \`repositories.allowed\`. Relative paths start at the
  current directory, and each must be an existing directory.
- \`--power full\` sets \`power_tools.direct_write = true\`, \`bash_mode = "full"\` and
  \`codex_session_read = true\`; \`--power safe\` sets them back to the defaults. \`--direct-write\`,
  \`--bash-mode\` and \`--codex-session-read\` win over \`--power\`.
`;

/** docs/configuration.md as it should read for the current schema. */
export function renderConfigDocs(): string {
  const rows = describeConfig();
  const tableOf = (row: ConfigKeyDoc) => (row.key.includes(".") ? (row.key.split(".")[0] ?? "") : "");
  // Top-level keys first: TOML puts them before any [table] header.
  const tables = [...new Set(["", ...rows.map(tableOf)])];
  const sections = tables.map((table) => {
    const heading = table === "" ? "## Top-level keys" : `## [${table}]`;
    const lines = rows
      .filter((row) => tableOf(row) === table)
      .map((row) => `| \`${row.key}\` | \`${cell(row.default)}\` | ${cell(row.allowed)} | ${cell(row.description)} |`);
    return [heading, "", "| Key | Default | Allowed | Meaning |", "| --- | --- | --- | --- |", ...lines].join("\n");
  });
  return `${INTRO}\n${sections.join("\n\n")}\n`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

if (import.meta.main) writeFileSync(configDocsFile, renderConfigDocs());
