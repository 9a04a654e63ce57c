export { buildMcpServer } from "./server-factory.ts";
export { createToolRegistry, type ToolRegistry } from "./registry.ts";
export { ALL_TOOLS } from "./catalog.ts";
export { createSession, type SessionState, type SessionScope } from "./session.ts";
export type { McpHost, Endpoint } from "./host.ts";
export { TOOL_MODES, type ToolMode, type ToolDeclaration } from "./tool.ts";
export { serveStdioSession } from "./stdio.ts";
