import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectHttp, GENERATIONS } from "../support/clients.ts";
import { removeTempDirs, repoRoot, startTestServer, type TestServer } from "../support/patchbay.ts";
import { expectEveryBehaviour } from "../mcp/catalog-behaviour.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ args: ["--root", repoRoot] });
});
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

describe("Streamable HTTP /mcp (compiled binary)", () => {
  for (const generation of GENERATIONS) {
    test(`${generation}: handshake, tools/list, mode switch with list_changed, self test with progress, errors`, () =>
      expectEveryBehaviour(() => connectHttp(generation, server.url)));
  }

  test("2025-era sessions keep their own tool mode", async () => {
    const first = await connectHttp("v1", server.url);
    const second = await connectHttp("v2-legacy", server.url);
    try {
      await first.callTool("codex_tool_mode_switch", { mode: "standard" });
      expect(await first.listToolNames()).toContain("codex_plan_job");
      expect(await second.listToolNames()).not.toContain("codex_plan_job");
    } finally {
      await first.close();
      await second.close();
    }
  });

  test("the tool card resource is served with the MCP Apps MIME type", async () => {
    const client = await connectHttp("v1", server.url);
    try {
      const tools = await client.listTools();
      const meta = tools[0]!._meta as Record<string, unknown>;
      expect(meta["openai/outputTemplate"]).toBe("ui://widget/patchbay-tool-card-v2.html");
      expect(meta.ui).toEqual({ resourceUri: "ui://widget/patchbay-tool-card-v2.html" });
      const annotations = tools.find((tool) => tool.name === "codex_tool_mode_info")!.annotations as Record<string, unknown>;
      expect(annotations.readOnlyHint).toBe(true);
      expect((tools.find((tool) => tool.name === "codex_tool_mode_switch")!.annotations as Record<string, unknown>).readOnlyHint).toBe(false);
      const resource = await client.readResource("ui://widget/patchbay-tool-card-v2.html");
      expect(resource.contents[0]!.mimeType).toBe("text/html;profile=mcp-app");
      expect(String(resource.contents[0]!.text)).toContain("<html>");
    } finally {
      await client.close();
    }
  });

  test("tools/list is deterministic", async () => {
    const client = await connectHttp("v1", server.url);
    try {
      const first = JSON.stringify(await client.listTools());
      expect(JSON.stringify(await client.listTools())).toBe(first);
    } finally {
      await client.close();
    }
  });
});
