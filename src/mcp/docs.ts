import type { ToolRegistry } from "./registry.ts";
import { TOOL_MODES } from "./tool.ts";
import { CAPABILITY_RULES } from "./capability.ts";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function argumentsOf(schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, { type?: string; enum?: unknown[] }>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.entries(properties).map(([name, property]) => {
    const type = property.enum ? property.enum.join("\\|") : (property.type ?? "any");
    return `\`${name}${required.has(name) ? "" : "?"}\`: ${type}`;
  });
  return names.join(", ") || "none";
}

/**
 * docs/tools.md, derived from the tool declarations so it cannot drift from `tools/list`.
 * Regenerate with `bun src/mcp/docs.ts`.
 */
export function renderToolDocs(registry: ToolRegistry): string {
  const rows = registry.entries.map((entry) => {
    const { declaration, descriptor } = entry;
    const modes = entry.canonical ? "full (alias)" : declaration.modes.join(", ");
    const kind = declaration.annotations.readOnlyHint ? "read-only" : "changes state";
    const setting = CAPABILITY_RULES[declaration.capability].setting;
    const needs = setting ? ` Needs \`${setting}\`.` : "";
    const summary = entry.canonical ? `Alias of \`${entry.canonical}\`.` : cell(declaration.description) + needs;
    return `| \`${entry.name}\` | ${argumentsOf(descriptor.inputSchema as Record<string, unknown>)} | ${kind} | ${declaration.capability} | ${modes} | ${summary} |`;
  });
  const counts = TOOL_MODES.map((mode) => `${mode} ${registry.namesIn(mode).length}`).join(", ");
  return [
    "# Tools",
    "",
    "Generated from the tool declarations in `src/` by `bun src/mcp/docs.ts`; a test fails when this file is stale.",
    "",
    `Tools per mode: ${counts}. A session starts in \`app.tool_mode\` (default \`worker\`) and changes only its own catalog with \`codex_tool_mode_switch\`.`,
    "Aliases are advertised only in `full` mode and run the canonical tool. A tool outside the session's mode is refused with the mode that lists it; a tool whose capability the operator did not allow is hidden and refused with the setting that would allow it (docs/security.md).",
    "",
    "| tool | arguments | effect | capability | modes | what it does |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

if (import.meta.main) {
  const { createToolRegistry } = await import("./registry.ts");
  const { ALL_TOOLS } = await import("./catalog.ts");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(new URL("../../docs/tools.md", import.meta.url), renderToolDocs(createToolRegistry(ALL_TOOLS)));
}
