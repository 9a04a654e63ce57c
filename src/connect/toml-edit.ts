import { isDeepStrictEqual } from "node:util";
import { parse, stringify, TomlError } from "smol-toml";
import { PatchbayError } from "../errors/index.ts";

type Table = Record<string, unknown>;

/** The parsed document, or a refusal naming the line; the file is never touched when it does not parse. */
export function parseToml(text: string, file: string): Table {
  try {
    // Plain objects (smol-toml builds null-prototype ones), so documents compare with isDeepStrictEqual.
    return structuredClone(parse(text)) as Table;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new PatchbayError("config_unreadable", `${file}: invalid TOML at line ${error.line}, column ${error.column}; left untouched`, {
      next: `fix line ${error.line} of ${file}, then run the command again`,
    });
  }
}

/** The value at `path`, or undefined. */
export function valueAt(doc: unknown, path: readonly string[]): unknown {
  let node = doc;
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Table)[key];
  }
  return node;
}

/**
 * Sets (or with `entry` undefined removes) the table `[a.b]` for `path = ["a", "b"]`, editing the
 * text in place: every other line, comment and blank keeps its bytes. The result is parsed again
 * and must equal the old document apart from that one table, otherwise nothing is written.
 *
 * @example
 * setTomlTable('model = "x"  # mine\n', ["mcp_servers", "patchbay"], { command: "/bin/patchbay" }, "config.toml");
 * // 'model = "x"  # mine\n\n[mcp_servers.patchbay]\ncommand = "/bin/patchbay"\n'
 */
export function setTomlTable(text: string, path: readonly [string, string], entry: Table | undefined, file: string): string {
  const before = parseToml(text, file);
  const lines = text.split("\n");
  const ranges = tableRanges(lines, path);
  const kept = lines.filter((_, index) => !ranges.some(([start, end]) => index >= start && index < end));
  const remainder = parseToml(kept.join("\n"), file);
  if (valueAt(remainder, path) !== undefined) {
    throw new PatchbayError(
      "config_unsupported",
      `${file}: ${path.join(".")} is defined with dotted keys or an inline table, which patchbay does not rewrite; left untouched`,
      {
        next: `move it to a [${path.join(".")}] table or remove it by hand, then run the command again`,
      },
    );
  }
  const block =
    entry === undefined
      ? []
      : stringify({ [path[0]]: { [path[1]]: entry } })
          .trimEnd()
          .split("\n");
  const result = ranges.length === 0 ? appendBlock(kept, block) : replaceRanges(lines, ranges, block);
  const output = result.join("\n");
  verify(before, parseToml(output, file), path, entry, file);
  return output;
}

/** The lines with the ranges dropped and `block` (plus a blank line) where the first range was. */
function replaceRanges(lines: string[], ranges: Array<[number, number]>, block: string[]): string[] {
  const inRange = (index: number) => ranges.some(([start, end]) => index >= start && index < end);
  const result: string[] = [];
  lines.forEach((line, index) => {
    if (index === ranges[0]![0] && block.length > 0) result.push(...block, "");
    if (!inRange(index)) result.push(line);
  });
  if (block.length > 0 && result.at(-1) === "" && result.at(-2) === "") result.pop();
  return result;
}

function appendBlock(lines: string[], block: string[]): string[] {
  if (block.length === 0) return lines;
  const body = [...lines];
  while (body.length > 0 && body.at(-1)!.trim() === "") body.pop();
  return body.length === 0 ? [...block, ""] : [...body, "", ...block, ""];
}

/**
 * Line ranges [start, end) of the tables at or below `path`. A range runs from its header to the
 * last key line before the next header, so a comment that introduces the next table stays with it.
 */
function tableRanges(lines: string[], path: readonly string[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let open: number | undefined;
  const close = (index: number) => {
    if (open === undefined) return;
    let end = index;
    while (end > open + 1 && isBlankOrComment(lines[end - 1]!)) end--;
    if (end < lines.length && lines[end]!.trim() === "") end++; // and one blank line after it
    ranges.push([open, end]);
    open = undefined;
  };
  lines.forEach((line, index) => {
    const header = headerPath(line);
    if (!header) return;
    const inside = header.length >= path.length && path.every((key, n) => header[n] === key);
    if (inside && open === undefined) open = index;
    else if (!inside) close(index);
  });
  close(lines.length);
  return ranges;
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("#");
}

/** The key path of a `[a."b".c]` or `[[a.b]]` header line, read by the TOML parser itself. */
function headerPath(line: string): string[] | undefined {
  if (!/^\s*\[/.test(line)) return undefined;
  let node: unknown;
  try {
    node = parse(line);
  } catch {
    return undefined;
  }
  const path: string[] = [];
  while (typeof node === "object" && node !== null) {
    if (Array.isArray(node)) node = node[0];
    const keys = Object.keys(node as Table);
    if (keys.length !== 1) break;
    path.push(keys[0]!);
    node = (node as Table)[keys[0]!];
  }
  return path;
}

function withoutPath(doc: Table, path: readonly [string, string]): Table {
  const copy = structuredClone(doc);
  const parent = copy[path[0]] as Table | undefined;
  if (parent && typeof parent === "object") {
    delete parent[path[1]];
    if (Object.keys(parent).length === 0) delete copy[path[0]];
  }
  return copy;
}

function verify(before: Table, after: Table, path: readonly [string, string], entry: Table | undefined, file: string): void {
  const othersKept = isDeepStrictEqual(withoutPath(before, path), withoutPath(after, path));
  const entrySet = isDeepStrictEqual(structuredClone(valueAt(after, path)), structuredClone(entry));
  if (othersKept && entrySet) return;
  throw new PatchbayError(
    "config_unsupported",
    `${file}: patchbay could not edit [${path.join(".")}] without changing other settings (multi-line strings that look like tables?); left untouched`,
    {
      next: `edit ${file} by hand, or with \`codex mcp add\``,
    },
  );
}
