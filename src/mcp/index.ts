export { buildMcpServer } from "./server-factory.ts";
export { endpointsFor } from "./public-url.ts";
export { hideLocalPaths, localRewrites } from "./local-details.ts";
export { createToolRegistry, type ToolRegistry } from "./registry.ts";
export { createSession, type SessionOpening, type SessionState, type SessionScope } from "./session.ts";
export type { AppServices, Endpoint } from "./services.ts";
export { TOOL_MODES, type ToolMode, type ToolDeclaration } from "./tool.ts";
export { serveStdioSession } from "./stdio.ts";
