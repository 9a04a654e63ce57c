import * as v from "valibot";
import { settingsView } from "../../config/index.ts";
import { defineTool } from "../../mcp/tool.ts";

const onOff = (on: boolean) => (on ? "on" : "off");

export const getConfig = defineTool({
  name: "codex_get_config",
  title: "Server settings",
  description: "The server's effective settings (secrets redacted), and this session's allowed roots and power switches.",
  input: v.strictObject({}),
  output: v.object({
    settings: v.record(v.string(), v.unknown()),
    session: v.object({ default_root: v.nullable(v.string()), allowed_roots: v.array(v.string()), power: v.record(v.string(), v.unknown()) }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: ["minimal", "worker", "standard", "full"],
  aliases: [{ name: "server_config" }],
  labels: { invoking: "Reading settings", invoked: "Settings read" },
  async handler(_args, { app, session }) {
    const settings = settingsView(app.config, { env: process.env, revealToken: false }) as Record<string, unknown>;
    const { scope } = session;
    return {
      text:
        `Tool mode default ${app.config.app.tool_mode}; allowed roots for this session: ${scope.allowedRoots.join(", ") || "none"}; ` +
        `power tools: direct write ${onOff(scope.power.directWrite)}, bash ${scope.power.bashMode}, session read ${onOff(scope.power.codexSessionRead)}.`,
      structured: { settings, session: { default_root: scope.defaultRoot ?? null, allowed_roots: scope.allowedRoots, power: { ...scope.power } } },
    };
  },
});
