/**
 * The tools/list catalog's size per launch, on the wire from the compiled binary over stdio (issue #16,
 * docs/benchmarks.md "Catalog size"): model-visible bytes (name, title, description, inputSchema as
 * JSON), the whole response line, and where the bytes are.
 *
 *   bun scripts/bench/catalog-size.ts            # every mode, table and breakdown
 *   bun scripts/bench/catalog-size.ts --largest  # also the 10 largest tools of each launch
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BINARY = join(import.meta.dir, "../../dist/patchbay");
const messages = [
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "catalog", version: "1" } } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} },
];

type Tool = Record<string, unknown> & { name: string; description?: string; inputSchema: Record<string, unknown> };

function gitRepo(withPipeline: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "catalog-repo-"));
  writeFileSync(join(dir, "README.md"), "# r\n");
  if (withPipeline) {
    mkdirSync(join(dir, ".ai"));
    writeFileSync(join(dir, ".ai/patchbay.toml"), "");
  }
  spawnSync("git", ["init", "-q", dir]);
  return dir;
}

function listOnTheWire(args: string[]): { line: string; tools: Tool[] } {
  const home = mkdtempSync(join(tmpdir(), "catalog-home-"));
  try {
    const run = spawnSync(BINARY, ["stdio", "--standalone", ...args], {
      input: messages.map((message) => `${JSON.stringify(message)}\n`).join(""),
      env: { ...process.env, PATCHBAY_HOME: home },
      encoding: "utf8",
    });
    const line = run.stdout.split("\n").find((text) => text.includes('"id":2'));
    if (!line) throw new Error(`no tools/list reply for ${args.join(" ")}: ${run.stderr}`);
    return { line, tools: (JSON.parse(line) as { result: { tools: Tool[] } }).result.tools };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const bytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Bytes of argument descriptions in a schema (every `description` under it). */
function argumentTextBytes(schema: unknown): number {
  if (Array.isArray(schema)) return schema.reduce((sum: number, item) => sum + argumentTextBytes(item), 0);
  if (!schema || typeof schema !== "object") return 0;
  return Object.entries(schema).reduce(
    (sum, [key, value]) => sum + (key === "description" && typeof value === "string" ? Buffer.byteLength(value) : argumentTextBytes(value)),
    0,
  );
}

const launches: Array<[string, string[], boolean]> = [
  ["minimal", ["--tool-mode", "minimal", "--power", "full"], false],
  ["worker", ["--tool-mode", "worker", "--power", "full"], false],
  ["standard", ["--tool-mode", "standard", "--power", "full"], false],
  ["full", ["--tool-mode", "full", "--power", "full"], false],
  ["default launch", [], false],
  ["default launch, .ai/patchbay.toml", [], true],
];

const showLargest = process.argv.includes("--largest");
console.log("| launch | tools | model-visible | whole | descriptions | argument texts | _meta |");
console.log("|---|--:|--:|--:|--:|--:|--:|");
const largest: string[] = [];
for (const [label, args, withPipeline] of launches) {
  const repo = gitRepo(withPipeline);
  try {
    const { line, tools } = listOnTheWire([...args, "--root", repo]);
    const visible = tools.map(({ name, title, description, inputSchema }) => ({ name, size: bytes({ name, title, description, inputSchema }) }));
    const total = visible.reduce((sum, tool) => sum + tool.size, 0);
    const descriptions = tools.reduce((sum, tool) => sum + Buffer.byteLength(tool.description ?? ""), 0);
    const argumentTexts = tools.reduce((sum, tool) => sum + argumentTextBytes(tool.inputSchema), 0);
    const meta = tools.reduce((sum, tool) => sum + bytes(tool._meta), 0);
    console.log(`| ${label} | ${tools.length} | ${kb(total)} | ${kb(Buffer.byteLength(line))} | ${kb(descriptions)} | ${kb(argumentTexts)} | ${kb(meta)} |`);
    if (showLargest)
      largest.push(
        `${label}: ${visible
          .sort((a, b) => b.size - a.size)
          .slice(0, 10)
          .map((tool) => `${tool.name} ${tool.size}`)
          .join(", ")}`,
      );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
if (largest.length > 0) console.log(`\n${largest.join("\n")}`);
