import { expect, test } from "bun:test";
import * as v from "valibot";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { Client } from "@modelcontextprotocol/client";
import { buildMcpServer } from "../../src/mcp/server-factory.ts";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { createSession } from "../../src/mcp/session.ts";
import { defineTool, EVERY_MODE } from "../../src/mcp/tool.ts";
import type { AppServices } from "../../src/mcp/services.ts";

test("a client's cancellation reaches the tool handler as an aborted AbortSignal", async () => {
  let sawAbort: unknown;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const waits = defineTool({
    name: "wait_forever",
    title: "Wait",
    description: "Waits until cancelled.",
    input: v.strictObject({}),
    output: v.object({}),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    capability: "read",
    modes: EVERY_MODE,
    async handler(_args, { signal }) {
      started();
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      sawAbort = signal.reason;
      return { text: "cancelled", structured: {} };
    },
  });
  const host = {
    version: "test",
    config: { app: { widget_domain: "https://example.com" } },
    redact: (value: unknown) => value,
    audit: () => {},
  } as unknown as AppServices;
  const session = createSession({
    transport: "stdio",
    principal: "local",
    mode: "worker",
    scope: { allowedRoots: [], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
  });
  const server = buildMcpServer(host, createToolRegistry([waits]), session, { announcesModeChanges: true });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  const controller = new AbortController();
  const call = client.callTool({ name: "wait_forever", arguments: {} }, { signal: controller.signal });
  await running;
  controller.abort("user clicked stop");
  await expect(call).rejects.toThrow();
  for (let i = 0; i < 100 && sawAbort === undefined; i++) await Bun.sleep(10);
  expect(String(sawAbort)).toContain("user clicked stop");
  await client.close();
});
