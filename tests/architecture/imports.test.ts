/**
 * The layering of src/ (docs/architecture.md, "Layering"): the folders import each other without a
 * cycle, type imports included, the MCP kit and the composition root keep their places, and tools
 * are declared only in each capability's tool face.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { repoRoot } from "../support/patchbay.ts";

const src = join(repoRoot, "src");

/**
 * Folder edges that close a cycle and could not be broken yet, as "from -> to", each with its
 * reason. Empty: any cycle fails. Adding one here needs a reason and an issue to remove it.
 */
const ALLOWED_BACK_EDGES: readonly string[] = [];

// `import … from`, `import type … from`, `export … from`, `import "x"`, `import("x")`, `declare module "x"`.
const SPECIFIER =
  /\b(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']|\bdeclare\s+module\s+["']([^"']+)["']/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The top-level folder of src/ a path belongs to (a file directly in src/ is its own node), or undefined outside src/. */
function folderOf(path: string): string | undefined {
  const rel = relative(src, path);
  if (rel.startsWith("..")) return undefined;
  return rel.split(sep)[0];
}

/** from folder → to folder → the file-level imports that make the edge. */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sourceFiles(src)) {
    const from = folderOf(file)!;
    for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
      if (!specifier.startsWith(".")) continue;
      const target = resolve(dirname(file), specifier);
      const to = folderOf(target);
      if (to === undefined || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${relative(src, file)} -> ${relative(src, target)}`]);
    }
  }
  return graph;
}

/** One cycle through the graph's folders as "a -> b -> a", or undefined when there is none. */
function findCycle(graph: Map<string, Map<string, string[]>>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const open = path.indexOf(node);
    if (open >= 0) return [...path.slice(open), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** A source file by its path relative to src/ (always with "/"), and its text. */
interface SourceFile {
  path: string;
  text: string;
}

const TOOL_KIT = "mcp/tool.ts";
const CATALOG = "app/catalog.ts";
const IN_TOOL_FACE = /^[^/]+\/tools\//;

/** Where the tool kit may be used: the kit itself, the composition root, and every `<capability>/tools/` folder. */
function mayUseToolKit(path: string): boolean {
  return path.startsWith("mcp/") || path.startsWith("app/") || IN_TOOL_FACE.test(path);
}

/** The relative imports of one file, each as the statement's text and its target relative to src/. */
function importsOf(file: SourceFile): Array<{ statement: string; target: string }> {
  return [...file.text.matchAll(SPECIFIER)].flatMap((match) => {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
    if (!specifier.startsWith(".")) return [];
    return [{ statement: match[0], target: posix.normalize(posix.join(posix.dirname(file.path), specifier)) }];
  });
}

/** Which folder's `tools/` a path lies in, or undefined outside every `tools/` folder. */
function toolsFolderOf(path: string): string | undefined {
  return IN_TOOL_FACE.test(path) ? path.split("/")[0] : undefined;
}

/**
 * Breaches of the tool face rule, one line each: outside the kit, the composition root and the
 * `tools/` folders nothing imports the tool kit or names `ToolContext` (capability cores take
 * what they need as parameters); `defineTool(` is called only inside a `tools/` folder; and a
 * `tools/` folder is entered only through its `tools/index.ts`, by the catalog or another `tools/`
 * folder (a runtime face or a core never reaches into tools).
 */
function toolFaceViolations(files: readonly SourceFile[]): string[] {
  return files.flatMap((file) => {
    const found: string[] = [];
    const from = toolsFolderOf(file.path);
    for (const { statement, target } of importsOf(file)) {
      const said = statement.replace(/\s+/g, " ");
      if (!mayUseToolKit(file.path) && (target === TOOL_KIT || /\bToolContext\b/.test(statement))) found.push(`${file.path} imports the tool kit: ${said}`);
      const to = toolsFolderOf(target);
      if (to === undefined || to === from) continue;
      if (!target.endsWith("/tools/index.ts")) found.push(`${file.path} reaches into ${to}/tools/: ${said}`);
      else if (from === undefined && file.path !== CATALOG) found.push(`${file.path} imports a tool face outside the catalog: ${said}`);
    }
    if (from === undefined && /\bdefineTool\s*\(/.test(file.text)) found.push(`${file.path} declares a tool outside a tools/ folder`);
    return found;
  });
}

function describeCycle(cycle: string[], graph: Map<string, Map<string, string[]>>): string {
  const steps = cycle.slice(1).map((to, index) => {
    const from = cycle[index]!;
    return `  ${from} -> ${to}: ${graph.get(from)?.get(to)?.join(", ")}`;
  });
  return [`import cycle between folders of src/: ${cycle.join(" -> ")}`, ...steps].join("\n");
}

describe("layering of src/", () => {
  const graph = folderGraph();

  test("the folders of src/ import each other without a cycle (type imports included)", () => {
    const allowed = new Map([...graph].map(([from, edges]) => [from, new Map([...edges].filter(([to]) => !ALLOWED_BACK_EDGES.includes(`${from} -> ${to}`)))]));
    const cycle = findCycle(allowed);
    expect(cycle ? describeCycle(cycle, graph) : "no cycle").toBe("no cycle");
  });

  test("every allowed back edge still exists (remove it from the list once it is gone)", () => {
    const stale = ALLOWED_BACK_EDGES.filter((edge) => {
      const [from = "", to = ""] = edge.split(" -> ");
      return !graph.get(from)?.has(to);
    });
    expect(stale).toEqual([]);
  });

  test("the MCP kit (src/mcp) imports no capability, only the layers below it", () => {
    expect([...(graph.get("mcp")?.keys() ?? [])].filter((to) => !["config", "errors", "log", "net", "redact", "runtime", "state"].includes(to))).toEqual([]);
  });

  test("only the server assembles the app: nothing else in src/ imports src/app", () => {
    const importers = [...graph].filter(([, edges]) => edges.has("app")).map(([from]) => from);
    expect(importers).toEqual(["server"]);
  });

  test("the board reaches patchbay only through the tools the server hands it: it imports no capability, kit or edge, and only the server imports it", () => {
    expect([...(graph.get("board")?.keys() ?? [])].filter((to) => !["errors", "log", "runtime"].includes(to))).toEqual([]);
    expect([...graph].filter(([, edges]) => edges.has("board")).map(([from]) => from)).toEqual(["server"]);
  });

  test("agent adapters take the path guard as a parameter, and host installation knows nothing of messaging", () => {
    expect(graph.get("agents")?.has("workspace") ?? false).toBe(false);
    expect(graph.get("connect")?.has("messaging") ?? false).toBe(false);
  });

  const files = sourceFiles(src).map((path) => ({ path: relative(src, path).split(sep).join("/"), text: readFileSync(path, "utf8") }));
  const foldersWithTools = [...new Set(files.filter((file) => IN_TOOL_FACE.test(file.path)).map((file) => file.path.split("/")[0]!))].sort();

  test("capability cores do not take MCP's ToolContext, tools are declared only in tools/ folders, and a tools/ folder is entered only through its face", () => {
    expect(toolFaceViolations(files)).toEqual([]);
  });

  test("every folder with tools has a runtime face (index.ts) and a tool face (tools/index.ts)", () => {
    expect(foldersWithTools).toEqual(["app", "jobs", "messaging", "pipeline", "usage", "workers", "workspace"]);
    const faces = foldersWithTools.flatMap((folder) => [`${folder}/index.ts`, `${folder}/tools/index.ts`]);
    expect(faces.filter((face) => !existsSync(join(src, face)))).toEqual([]);
  });

  test("the catalog takes each folder's tools from its tool face only", () => {
    const catalog = files.find((file) => file.path === CATALOG)!;
    const targets = importsOf(catalog)
      .map(({ target }) => target)
      .filter((target) => target !== TOOL_KIT);
    expect(targets.sort()).toEqual(foldersWithTools.map((folder) => `${folder}/tools/index.ts`));
  });

  test("the tool face checker flags a core that takes ToolContext, a tool declared outside tools/, and a reach into tools/ past its face", () => {
    const violations = toolFaceViolations([
      { path: "workers/record.ts", text: 'import type { ToolContext } from "../mcp/tool.ts";\nexport const f = (context: ToolContext) => context;' },
      { path: "jobs/queue.ts", text: 'import {\n  type ToolContext,\n} from "../mcp/index.ts";' },
      { path: "pipeline/phases.ts", text: 'import { defineTool } from "../mcp/tool.ts";\nexport const t = defineTool({ name: "x" });' },
      { path: "workers/tools/team.ts", text: 'import { defineTool, type ToolContext } from "../../mcp/tool.ts";\nexport const t = defineTool({ name: "y" });' },
      { path: "app/catalog.ts", text: 'import type { ToolDeclaration } from "../mcp/tool.ts";' },
      { path: "mcp/tool.ts", text: "export function defineTool<I>(declaration: I): I {\n  return declaration;\n}" },
      { path: "workspace/workspace.ts", text: 'import type { SessionScope } from "../mcp/session.ts";' },
      { path: "jobs/index.ts", text: 'export { jobView } from "./tools/view.ts";' },
      { path: "jobs/runtime.ts", text: 'import { JOB_TOOLS } from "./tools/index.ts";' },
      { path: "workers/tools/inbox.ts", text: 'import { jobIdArg } from "../../jobs/tools/args.ts";\nimport { jobFor } from "../../jobs/tools/index.ts";' },
      { path: "jobs/tools/inspect.ts", text: 'import { jobIdArg } from "./args.ts";' },
      { path: "app/catalog.ts", text: 'import { JOB_TOOLS } from "../jobs/tools/index.ts";' },
    ]);
    expect(violations).toEqual([
      'workers/record.ts imports the tool kit: import type { ToolContext } from "../mcp/tool.ts"',
      'jobs/queue.ts imports the tool kit: import { type ToolContext, } from "../mcp/index.ts"',
      'pipeline/phases.ts imports the tool kit: import { defineTool } from "../mcp/tool.ts"',
      "pipeline/phases.ts declares a tool outside a tools/ folder",
      'jobs/index.ts reaches into jobs/tools/: export { jobView } from "./tools/view.ts"',
      'jobs/runtime.ts imports a tool face outside the catalog: import { JOB_TOOLS } from "./tools/index.ts"',
      'workers/tools/inbox.ts reaches into jobs/tools/: import { jobIdArg } from "../../jobs/tools/args.ts"',
    ]);
  });

  test("the checker sees type imports, re-exports and dynamic imports", () => {
    const found = (text: string) => [...text.matchAll(SPECIFIER)].map((match) => match[1] ?? match[2] ?? match[3] ?? match[4]);
    expect(found('import type { A } from "../a.ts";\nexport { b } from "./b.ts";\nexport * from "./c.ts";')).toEqual(["../a.ts", "./b.ts", "./c.ts"]);
    expect(found('import {\n  x,\n  type Y,\n} from "../x.ts";\nconst m = await import("../m.ts");\nimport "./side.ts";')).toEqual([
      "../x.ts",
      "../m.ts",
      "./side.ts",
    ]);
    expect(found('declare module "../mcp/services.ts" {}')).toEqual(["../mcp/services.ts"]);
  });
});
