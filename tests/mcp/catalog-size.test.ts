/**
 * Issue #16: every host loads tools/list into its model's context, so the catalog has a budget.
 * Measured on the wire, through the real binary over stdio: the model-visible bytes (each tool's
 * name, title, description and inputSchema, as JSON) and the whole tools/list response line.
 * The budgets are the issue's targets: 20 KB model-visible and 40 KB whole for the default launch,
 * 64 KB model-visible for full mode (docs/benchmarks.md, "Catalog size", says what bought them).
 *
 * What the listing leaves out to get there (name patterns, lower bounds, arguments kept only for
 * old prompts) the server still enforces or accepts: the last two tests call with them.
 */
import { afterAll, expect, test } from "bun:test";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const KB = 1024;
const DEFAULT_BUDGET = { visible: 20 * KB, whole: 40 * KB };
const FULL_BUDGET = { visible: 64 * KB };
const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "catalog-size", version: "1" } },
};
const LIST = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };

interface Catalog {
  wholeBytes: number;
  visibleBytes: number;
  tools: Array<{ name: string; visible: number }>;
}

/** tools/list exactly as a host receives it from `patchbay stdio --standalone` with these arguments. */
async function listOnTheWire(args: string[]): Promise<Catalog> {
  const input = [INITIALIZE, { jsonrpc: "2.0", method: "notifications/initialized" }, LIST].map((message) => `${JSON.stringify(message)}\n`).join("");
  const run = await runPatchbay(["stdio", "--standalone", ...args], { home: tempDir(), input });
  const line = run.stdout.split("\n").find((text) => text.includes('"id":2'));
  if (!line) throw new Error(`no tools/list reply; exit ${run.code}, stderr: ${run.stderr}`);
  const tools = (JSON.parse(line) as { result: { tools: Array<Record<string, unknown> & { name: string }> } }).result.tools;
  const visible = tools.map(({ name, title, description, inputSchema }) => ({
    name,
    visible: Buffer.byteLength(JSON.stringify({ name, title, description, inputSchema })),
  }));
  return { wholeBytes: Buffer.byteLength(line), visibleBytes: visible.reduce((sum, tool) => sum + tool.visible, 0), tools: visible };
}

/** Fails with the sizes and the largest tools, so whoever breaks a budget sees where the bytes are. */
function expectWithin(label: string, catalog: Catalog, budgets: { visible: number; whole?: number }): void {
  const largest = [...catalog.tools]
    .sort((a, b) => b.visible - a.visible)
    .slice(0, 8)
    .map((tool) => `  ${tool.name}: ${tool.visible} B`)
    .join("\n");
  const report =
    `${label}: ${catalog.tools.length} tools, model-visible ${catalog.visibleBytes} B (budget ${budgets.visible} B), ` +
    `whole tools/list ${catalog.wholeBytes} B${budgets.whole ? ` (budget ${budgets.whole} B)` : ""}; largest tools:\n${largest}`;
  if (catalog.visibleBytes > budgets.visible || catalog.wholeBytes > (budgets.whole ?? Number.POSITIVE_INFINITY)) console.error(report);
  expect(catalog.visibleBytes).toBeLessThanOrEqual(budgets.visible);
  if (budgets.whole !== undefined) expect(catalog.wholeBytes).toBeLessThanOrEqual(budgets.whole);
}

test("the default launch's catalog stays within its budget", async () => {
  const repo = makeGitRepo({ "README.md": "# r\n" });
  const catalog = await listOnTheWire(["--root", repo]);
  expect(catalog.tools.map((tool) => tool.name)).toContain("codex_worker_start");
  expectWithin("default (worker)", catalog, DEFAULT_BUDGET);
});

test("full mode with every power on stays within its budget", async () => {
  const catalog = await listOnTheWire(["--tool-mode", "full", "--power", "full", "--root", makeGitRepo({ "README.md": "# r\n" })]);
  expect(catalog.tools.map((tool) => tool.name)).toContain("codex_write_file");
  expectWithin("full", catalog, FULL_BUDGET);
});

type Listed = { name: string; inputSchema: { properties?: Record<string, Record<string, unknown>> } };

test("an argument the listing leaves out is still accepted: an old prompt's ignored flag opens the workspace", async () => {
  const repo = makeGitRepo({ "README.md": "# r\n" });
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--tool-mode", "full", "--root", repo] });
  try {
    const tools = (await client.listTools()) as unknown as Listed[];
    const properties = (name: string) => Object.keys(tools.find((tool) => tool.name === name)!.inputSchema.properties ?? {});
    expect(properties("open_workspace")).not.toContain("bootstrap_context");
    expect(properties("codex_plan_job")).not.toContain("json_events");
    expect(properties("codex_plan_job")).toContain("spec");

    const opened = await client.callTool("open_workspace", { bootstrap_context: true });
    expect(opened.isError).toBeFalsy();
    expect((opened.structuredContent as { root: string }).root).toBe(repo);
  } finally {
    await client.close();
  }
}, 60_000);

test("a name pattern the listing leaves out is still enforced: a worker with a bad name is refused and never created", async () => {
  const repo = makeGitRepo({ "README.md": "# r\n" });
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", repo] });
  try {
    const start = ((await client.listTools()) as unknown as Listed[]).find((tool) => tool.name === "codex_worker_start")!;
    expect(start.inputSchema.properties!.name).toEqual({ type: "string", description: expect.any(String) });

    const refused = await client.callTool("codex_worker_start", { name: "no/slashes", brief: "b", agent: "mock" });
    expect(refused.isError).toBe(true);
    expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "invalid_arguments" });
    const listed = await client.callTool("codex_worker_list", {});
    expect((listed.structuredContent as { workers: unknown[] }).workers).toEqual([]);
  } finally {
    await client.close();
  }
}, 60_000);
