/**
 * What a start loads (docs/benchmarks.md, "Reading the results"). Every host runs `patchbay stdio`
 * to connect, and the compiled binary loads each chunk a command imports, whether or not the
 * command then uses it: a module pulled in by a stray import is paid on every launch. The bundle
 * that scripts/build.ts compiles is built here the same way (code splitting, package.json's
 * `sideEffects`), and its metafile says which modules and node: builtins each command's chunks
 * bring. A test fails, naming the modules, when `--version` or the relay loads more than its job.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

interface Metafile {
  outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; kind: string }[] }>;
}

const outdir = tempDir("patchbay-start-loads-");
const built = await Bun.build({ entrypoints: [join(repoRoot, "src/cli.ts")], target: "bun", format: "esm", splitting: true, outdir, metafile: true });
if (!built.success) throw new AggregateError(built.logs, "the CLI did not bundle");
const { outputs } = built.metafile as Metafile;

function outputOf(entryPoint: string): string {
  const found = Object.entries(outputs).find(([, output]) => output.entryPoint === entryPoint);
  if (!found) throw new Error(`no chunk starts at ${entryPoint}: did the command stop being imported lazily?`);
  return found[0];
}

/** The modules and node: builtins loaded with these chunks: their static imports, transitively (dynamic imports load later, on use). */
function loadedWith(entryPoints: string[]): { modules: string[]; builtins: string[] } {
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of outputs[output]!.imports) if (imported.kind === "import-statement") visit(imported.path.replace(/^(\.\/)?/, "./"));
  };
  for (const entryPoint of entryPoints) visit(outputOf(entryPoint));
  const modules = [...seen].flatMap((output) => Object.keys(outputs[output]!.inputs));
  const builtins = [...seen].flatMap((output) =>
    [...readFileSync(join(outdir, output), "utf8").matchAll(/^import\b[^"';]*?["']((?:node:)?[a-z_/]+)["']/gm)].map((match) => match[1]!.replace(/^node:/, "")),
  );
  return { modules: [...new Set(modules)].sort(), builtins: [...new Set(builtins)].sort() };
}

const matching = (modules: string[], patterns: RegExp[]) => modules.filter((module) => patterns.some((pattern) => pattern.test(module)));

test("`patchbay --version` (and the CLI's entry every command shares) loads no configuration, state, server, agent or logger", () => {
  const { modules, builtins } = loadedWith(["src/cli.ts"]);
  expect(
    matching(modules, [/^src\/(config|state|agents|mcp|jobs|workers|workspace|log)\//, /smol-toml|valibot|unstorage|consola|@modelcontextprotocol/]),
  ).toEqual([]);
  expect(builtins.filter((name) => ["crypto", "net", "child_process", "tty"].includes(name))).toEqual([]);
});

test("`patchbay stdio` relaying to the server loads no MCP SDK, agent adapter or state store", () => {
  const { modules, builtins } = loadedWith(["src/cli.ts", "src/cli/stdio.ts"]);
  // The relay checks the configuration's agent names (names.ts) and finds the server (owner.ts, lock-file.ts); no more.
  expect(
    matching(modules, [
      // consola/basic makes a logger on process.stdout and stderr at import: Bun's stream machinery, 5-14 ms.
      /@modelcontextprotocol|zod|unstorage|ioredis|dax-sh|consola\/dist\/basic/,
      /^src\/agents\/(?!config-names\.ts$|names\.ts$)/,
      /^src\/state\/(?!lock-file\.ts$|index\.ts$)/,
      /^src\/(mcp|app|jobs|workers|workspace|messaging|pipeline)\//,
    ]),
  ).toEqual([]);
  // node:crypto and node:net cost a start about 2 ms each; launching a server (child_process) is the first session's alone.
  expect(builtins.filter((name) => ["crypto", "net", "child_process"].includes(name))).toEqual([]);
});

test("the standalone session and the launcher still load what they use, each when it is imported", () => {
  expect(loadedWith(["src/server/standalone.ts"]).modules).toContain("src/agents/registry.ts");
  expect(loadedWith(["src/agents/index.ts"]).modules).toContain("src/agents/codex.ts");
});
