import * as v from "valibot";
import { defineTool, EVERY_MODE, TOOL_MODES, type ToolMode } from "../../mcp/tool.ts";

const MODE_PURPOSE: Record<ToolMode, string> = {
  minimal: "the few tools a chat needs to orient itself; the smallest catalog",
  worker:
    "manager-first: brief, relay and integrate named workers; the default, which, when not chosen, adds the pipeline tools where .ai/patchbay.toml exists",
  standard: "every canonical tool: workspace context, jobs, workers, pipeline, messaging",
  full: "standard plus compatibility aliases and enabled power tools",
};

const modeSummary = v.object({ mode: v.picklist(TOOL_MODES), purpose: v.string(), tool_count: v.number() });

export const toolModeInfo = defineTool({
  name: "codex_tool_mode_info",
  title: "Tool mode info",
  description: "This session's tool mode, its tools, and what each other mode offers.",
  input: v.strictObject({}),
  output: v.object({ mode: v.picklist(TOOL_MODES), tools: v.array(v.string()), modes: v.array(modeSummary) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: EVERY_MODE,
  forAgents: true,
  labels: { invoking: "Reading tool mode", invoked: "Tool mode read" },
  textCarriesAll: true,
  async handler(_args, { session, catalog }) {
    const tools = catalog.namesFor(session);
    // The session's own mode is the list above: in an unchosen default mode it is worked out afresh (the repository decides).
    const countIn = (mode: ToolMode) => (mode === session.mode ? tools.length : catalog.namesFor(session, mode).length);
    const modes = TOOL_MODES.map((mode) => ({ mode, purpose: MODE_PURPOSE[mode], tool_count: countIn(mode) }));
    // Every name and purpose in the text too: some hosts' models read only the text (docs/hosts.md).
    const others = modes.filter((m) => m.mode !== session.mode).map((m) => `- ${m.mode} (${m.tool_count} tools): ${m.purpose}`);
    return {
      text: `Tool mode: ${session.mode} (${MODE_PURPOSE[session.mode]}), ${tools.length} tools: ${tools.join(", ")}.\nOther modes:\n${others.join("\n")}`,
      structured: { mode: session.mode, tools, modes },
    };
  },
});

export const toolModeSwitch = defineTool({
  name: "codex_tool_mode_switch",
  title: "Switch tool mode",
  description: "Switch this session's tool catalog to another mode; other sessions keep theirs.",
  input: v.strictObject({
    mode: v.picklist(TOOL_MODES),
    reason: v.optional(v.pipe(v.string(), v.maxLength(500))),
  }),
  output: v.object({ previous_mode: v.picklist(TOOL_MODES), mode: v.picklist(TOOL_MODES), tool_count: v.number(), changed: v.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "record",
  modes: EVERY_MODE,
  forAgents: true,
  labels: { invoking: "Switching tool mode", invoked: "Tool mode switched" },
  async handler({ mode }, { session, catalog }) {
    const previous = session.mode;
    const wasDefault = session.modeIsDefault === true;
    session.mode = mode;
    // A chosen mode is exactly its catalog: what the repository added to the default goes.
    session.modeIsDefault = false;
    if (previous !== mode || wasDefault) session.onModeChange?.();
    const toolCount = catalog.namesFor(session).length;
    return {
      text: previous === mode ? `Already in tool mode ${mode}.` : `Switched tool mode from ${previous} to ${mode} (${toolCount} tools); the tool list changed.`,
      structured: { previous_mode: previous, mode, tool_count: toolCount, changed: previous !== mode },
    };
  },
});
