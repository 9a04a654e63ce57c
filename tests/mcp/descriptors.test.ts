/**
 * Issue #14 item 12: what a host reads before calling anything. Tools carry `securitySchemes` at
 * the top level (ChatGPT reads it there; the SDK clients drop keys their schema lacks, so the wire
 * is read raw) and in `_meta`; the hints say what a tool does; the instructions give the worker
 * workflow.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectHttp } from "../support/clients.ts";
import { removeTempDirs, repoRoot, startTestServer, type TestServer } from "../support/patchbay.ts";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ args: ["--root", repoRoot, "--tool-mode", "full"] });
});
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

/** The JSON-RPC answer a POST carries, as JSON or among SSE events (a priming event has no data). */
async function answer(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) return JSON.parse(text);
  const events = text
    .split("\n")
    .filter((line) => line.startsWith("data:") && line.slice(5).trim() !== "")
    .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>);
  return events.find((event) => "id" in event)!;
}

type Descriptor = { name: string; securitySchemes?: unknown; annotations: Record<string, boolean>; _meta: Record<string, unknown> };

describe("tool descriptors and instructions on the wire", () => {
  test("every tool has top-level securitySchemes; handoff status is read-only; the worker inbox is destructive", async () => {
    const init = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    };
    const opened = await fetch(server.url, { method: "POST", headers: HEADERS, body: JSON.stringify(init) });
    const session = opened.headers.get("mcp-session-id")!;
    const instructions = ((await answer(opened)).result as { instructions: string }).instructions;
    expect(instructions).toContain("isolated worktree");
    expect(instructions).toContain("integration_preview");
    expect(instructions).toContain("commits nothing");
    const headers = { ...HEADERS, "mcp-session-id": session };
    await fetch(server.url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    const listed = await fetch(server.url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }) });
    const tools = ((await answer(listed)).result as { tools: Descriptor[] }).tools;
    expect(tools.length).toBeGreaterThan(50);
    for (const tool of tools) {
      expect({ tool: tool.name, top: tool.securitySchemes, meta: tool._meta.securitySchemes }).toEqual({
        tool: tool.name,
        top: [{ type: "noauth" }],
        meta: [{ type: "noauth" }],
      });
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get("codex_get_handoff_status")!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.get("read_handoff")!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get("codex_worker_inbox")!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  test("an SDK client reads the worker workflow in the instructions", async () => {
    const client = await connectHttp("v2-legacy", server.url);
    try {
      expect(client.instructions()).toContain("codex_worker_integrate applies the changes to the checkout and commits nothing");
    } finally {
      await client.close();
    }
  });
});
