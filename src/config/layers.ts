import { readFile } from "node:fs/promises";
import { parse, TomlError } from "smol-toml";
import * as v from "valibot";
import { PatchbayError } from "../errors/index.ts";
import { type Config, configSchema, issueLine } from "./schema.ts";

type Table = Record<string, unknown>;

/** A partial config in file shape (`{ server: { port: 9000 } }`), as a file, profile or flags give it. */
export type ConfigLayer = Table;

/** A layer and the file it came from, so each problem can be blamed on the file to fix. */
export interface SourcedLayer {
  readonly file: string;
  readonly data: ConfigLayer;
}

/** The TOML in `file`, or undefined when there is no such file. */
export async function readLayer(file: string): Promise<SourcedLayer | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new PatchbayError("config_invalid", `${file}: cannot be read (${code})`, { next: `check the permissions of ${file}`, cause: error });
  }
  try {
    return { file, data: parse(text) };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "");
    throw new PatchbayError("config_invalid", `${file}: invalid TOML at line ${error.line}, column ${error.column}: ${reason}\n${error.codeblock.trimEnd()}`, {
      next: `fix the TOML syntax at line ${error.line} of ${file}`,
      details: { file, line: error.line, column: error.column },
      cause: error,
    });
  }
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function ownValue(table: Table, key: string): unknown {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * `over` laid on `base` table by table; any other value, lists included, replaces. Built with
 * `Object.fromEntries` so a `__proto__` key from a file stays a plain key.
 */
export function mergeTables(base: Table, over: Table): Table {
  const merged = Object.keys(over).map((key): [string, unknown] => {
    const [before, after] = [ownValue(base, key), over[key]];
    return [key, isTable(before) && isTable(after) ? mergeTables(before, after) : after];
  });
  return Object.fromEntries([...Object.entries(base), ...merged]);
}

/** The layers merged in order and checked with the one schema; every problem is reported at once. */
export function validateLayers(layers: readonly [SourcedLayer, ...SourcedLayer[]]): Config {
  const merged = layers.reduce<Table>((result, layer) => mergeTables(result, layer.data), {});
  // abortPipeEarly: one problem per key (0.5 for a port is not also reported as below the minimum).
  const result = v.safeParse(configSchema, merged, { abortPipeEarly: true });
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => ({ file: blame(issue, layers), problem: issueLine(issue) }));
  const files = [...new Set(problems.map((problem) => problem.file))];
  const message = files
    .map((file) =>
      [`${file}: invalid configuration`, ...problems.filter((problem) => problem.file === file).map((problem) => `  ${problem.problem}`)].join("\n"),
    )
    .join("\n");
  throw new PatchbayError("config_invalid", message, {
    next: `fix the keys listed above in ${files.join(" and ")}`,
    details: { problems },
  });
}

/**
 * The file whose value the problem is about: the layer that sets the most of the issue's path,
 * the later one on a tie (it won the merge). A missing required key falls to the table holding it.
 */
function blame(issue: v.BaseIssue<unknown>, layers: readonly [SourcedLayer, ...SourcedLayer[]]): string {
  const path = (issue.path ?? []).map((item) => item.key);
  let best = layers[0];
  let bestDepth = -1;
  for (const layer of layers) {
    const depth = depthSet(layer.data, path);
    if (depth >= bestDepth) [best, bestDepth] = [layer, depth];
  }
  return best.file;
}

/** How many leading keys of `path` this layer sets. */
function depthSet(data: unknown, path: unknown[]): number {
  let node = data;
  for (const [index, key] of path.entries()) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key as PropertyKey)) return index;
    node = (node as Record<PropertyKey, unknown>)[key as PropertyKey];
  }
  return path.length;
}
