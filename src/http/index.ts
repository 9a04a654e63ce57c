export { createHttpApp, type HttpAppOptions } from "./app.ts";
export { createMcpEndpoint, type McpEndpoint } from "./mcp-endpoint.ts";
export { originGuard, authenticate, QUERY_TOKEN_PARAM } from "./guards.ts";
export { allowedHostnames, allowedOriginHostnames } from "./allowed-hosts.ts";
export { authenticateRequest, type AgentTokens } from "./agent-auth.ts";
export { serveAttachment, type AttachmentFiles } from "./attachments.ts";
