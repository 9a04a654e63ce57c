/** The card as an MCP resource: both URIs listed and readable, the MCP Apps MIME type and CSP. */
import { expect, test } from "bun:test";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { Client } from "@modelcontextprotocol/client";
import { buildMcpServer } from "../../src/mcp/server-factory.ts";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { createSession } from "../../src/mcp/session.ts";
import type { AppServices } from "../../src/mcp/services.ts";
import { selfTest } from "../../src/app/tools/self-test.ts";
import { WIDGET_SCRIPT } from "../../src/mcp/widget/script.ts";

const V2 = "ui://widget/patchbay-tool-card-v2.html";
const V1 = "ui://widget/patchbay-tool-card-v1.html";

async function connect(): Promise<Client> {
  const host = {
    version: "test",
    config: { app: { widget_domain: "https://web-sandbox.oaiusercontent.com" } },
    redact: (value: unknown) => value,
    audit: () => {},
  } as unknown as AppServices;
  const session = createSession({
    transport: "stdio",
    principal: "local",
    mode: "worker",
    scope: { allowedRoots: [], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
  });
  const server = buildMcpServer(host, createToolRegistry([selfTest]), session, { announcesModeChanges: false });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  return client;
}

test("resources/list and resources/read serve the v2 card, and the v1 URI still reads", async () => {
  const client = await connect();
  try {
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([V2, V1]);
    for (const resource of resources) expect(resource.mimeType).toBe("text/html;profile=mcp-app");
    for (const uri of [V2, V1]) {
      const { contents } = await client.readResource({ uri });
      const content = contents[0] as { uri: string; mimeType: string; text: string; _meta: Record<string, any> };
      expect(content.uri).toBe(uri);
      expect(content.mimeType).toBe("text/html;profile=mcp-app");
      expect(content.text).toContain("ui/notifications/tool-result");
      expect(content.text).toContain("openai:set_globals");
      expect(content._meta.ui.csp).toEqual({ connectDomains: [], resourceDomains: [] });
      expect(content._meta["openai/widgetCSP"]).toEqual({ connect_domains: [], resource_domains: [] });
    }
    await expect(client.readResource({ uri: "ui://widget/patchbay-tool-card-v3.html" })).rejects.toThrow(/Unknown resource/);
    const { tools } = await client.listTools();
    expect(tools[0]!._meta).toMatchObject({ ui: { resourceUri: V2 }, "openai/outputTemplate": V2 });
  } finally {
    await client.close();
  }
});

test("the card loads nothing and calls no tools: no URLs, no fetch, no tools/call in its source", async () => {
  const client = await connect();
  try {
    const { contents } = await client.readResource({ uri: V2 });
    const html = String((contents[0] as { text: string }).text);
    expect(html).not.toMatch(/\b(src|href)\s*=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\bfetch\(|XMLHttpRequest|WebSocket|EventSource|tools\/call|callTool|innerHTML/);
    expect(html).toContain("default-src 'none'");
  } finally {
    await client.close();
  }
});

test("the card's script is its typed function's source: JavaScript that parses, strict, that cannot close its <script> tag", () => {
  expect(() => new Function(WIDGET_SCRIPT)).not.toThrow();
  expect(WIDGET_SCRIPT.startsWith('"use strict";')).toBe(true);
  expect(WIDGET_SCRIPT).not.toMatch(/<\/script/i);
});
