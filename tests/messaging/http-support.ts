/**
 * The real HTTP stack (createHttpApp + createMcpEndpoint + serveHttp) over the messaging harness,
 * wired the way the server must wire it: `messaging: { tokens, attachments }`.
 */
import { allowedHostnames, allowedOriginHostnames, createHttpApp, createMcpEndpoint, originGuard } from "../../src/http/index.ts";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { MESSAGING_TOOLS } from "../../src/messaging/tools/index.ts";
import { serveHttp, type HttpListener } from "../../src/runtime/index.ts";
import { messagingHarness, type MessagingHarness } from "./support.ts";

export interface HttpHarness extends MessagingHarness {
  url: string;
  origin: string;
}

export async function httpHarness(options: { home?: string; configToml?: string; operatorToken?: string } = {}): Promise<HttpHarness> {
  const endpoints: string[] = [];
  const harness = await messagingHarness({ ...options, endpoints });
  const { host, messaging } = harness;
  const config = host.config;
  const endpoint = createMcpEndpoint({
    host,
    registry: createToolRegistry(MESSAGING_TOOLS),
    scope: { allowedRoots: [], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
    defaultMode: "worker",
    maxRequestBytes: config.server.max_request_bytes,
    sessionIdleMs: 60_000,
  });
  const app = createHttpApp({
    version: "test",
    endpoint,
    originGuard: originGuard(allowedHostnames(config, "127.0.0.1"), allowedOriginHostnames(config)),
    auth: { token: options.operatorToken, allowQueryToken: false },
    maxRequestBytes: config.server.max_request_bytes,
    corsOrigins: undefined,
    status: async () => ({}),
    messaging: { tokens: messaging, attachments: messaging.attachments },
  });
  const listener: HttpListener = await serveHttp(app.fetch, { hostname: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${listener.port}`;
  endpoints.push(`${origin}/mcp`);
  return {
    ...harness,
    url: `${origin}/mcp`,
    origin,
    async close() {
      await harness.messaging.close();
      await endpoint.close();
      await listener.stop();
      await harness.close();
    },
  };
}
