import {
  applyEdits,
  type Edit,
  findNodeAtLocation,
  type FormattingOptions,
  modify,
  parse,
  parseTree,
  type ParseError,
  printParseErrorCode,
} from "jsonc-parser";
import { PatchbayError } from "../errors/index.ts";
import { valueAt } from "./toml-edit.ts";

type Table = Record<string, unknown>;

/** The document as an object (comments and trailing commas allowed); anything else is refused. */
export function parseJsonObject(text: string, file: string): Table {
  if (text.trim() === "") return {};
  const errors: ParseError[] = [];
  const doc: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const { line, column } = position(text, errors[0]!.offset);
    throw new PatchbayError(
      "config_unreadable",
      `${file}: invalid JSON at line ${line}, column ${column} (${printParseErrorCode(errors[0]!.error)}); left untouched`,
      {
        next: `fix line ${line} of ${file}, then run the command again`,
      },
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new PatchbayError("config_unreadable", `${file}: the top level is not a JSON object; left untouched`, {
      next: `make ${file} an object ({ … }) or move it away`,
    });
  }
  return doc as Table;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** Indentation as the file already has it: tabs, or the first indented line's width. */
function formatting(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol: "\n" };
  return { insertSpaces: true, tabSize: indent ? Math.min(indent.length, 8) : 2, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

/**
 * Sets (or with `entry` undefined removes) the value at `path`, editing the text in place so
 * comments, key order and formatting elsewhere stay as they were: only the entry's own lines are
 * written (jsonc-parser's formatter would reformat the lines around it, a neighbour's comment and
 * layout included). Containers on the way that the removal leaves empty are removed too, so an
 * uninstall undoes exactly what install created.
 *
 * @example
 * setJsonValue('{\n  // mine\n  "theme": "dark"\n}\n', ["mcpServers", "patchbay"], { command: "/bin/patchbay" }, "settings.json");
 */
export function setJsonValue(text: string, path: readonly string[], entry: JsonValue | undefined, file: string): string {
  const doc = parseJsonObject(text, file);
  for (let depth = 1; depth < path.length; depth++) {
    const node = valueAt(doc, path.slice(0, depth));
    if (node !== undefined && (typeof node !== "object" || node === null || Array.isArray(node))) {
      throw new PatchbayError("config_unreadable", `${file}: "${path.slice(0, depth).join(".")}" is not an object; left untouched`, {
        next: `fix "${path.slice(0, depth).join(".")}" in ${file}`,
      });
    }
  }
  const source = text.trim() === "" ? "{}\n" : text;
  const style = formatting(source);
  let result: string;
  if (entry !== undefined) result = applyEdits(source, setEdits(source, doc, path, entry, style));
  else {
    result = removeProperty(source, path);
    for (let depth = path.length - 1; depth >= 1; depth--) {
      const container = valueAt(parseJsonObject(result, file), path.slice(0, depth));
      if (!container || Object.keys(container as Table).length > 0) break;
      result = removeProperty(result, path.slice(0, depth));
    }
  }
  return result.endsWith("\n") ? result : `${result}\n`;
}

type JsonValue = Table | unknown[];

/** `value` as JSON in the file's indentation, its lines after the first indented by `indent`. */
function pretty(value: unknown, indent: string, style: FormattingOptions): string {
  const unit = style.insertSpaces ? " ".repeat(style.tabSize ?? 2) : "\t";
  return JSON.stringify(value, null, unit).replace(/\n/g, `${style.eol ?? "\n"}${indent}`);
}

function lineAround(text: string, offset: number): { start: number; end: number; indent: string } {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const newline = text.indexOf("\n", offset);
  const end = newline === -1 ? text.length : text[newline - 1] === "\r" ? newline - 1 : newline;
  return { start, end, indent: /^[ \t]*/.exec(text.slice(start))![0] };
}

/** What may follow a property on its line: its comma, a comment. */
const LINE_TAIL = /^[ \t]*(,)?[ \t]*(?:\/\/[^\r\n]*|\/\*.*?\*\/[ \t]*)?$/;

/**
 * The edits that set `path` to `entry`. A new property goes on lines of its own after its last
 * sibling, after that sibling's comma and comment; a value already there is replaced where it
 * stands. An empty container, or one written on a single line, gets jsonc-parser's own edit.
 */
function setEdits(text: string, doc: Table, path: readonly string[], entry: JsonValue, style: FormattingOptions): Edit[] {
  const eol = style.eol ?? "\n";
  let depth = 0;
  while (depth < path.length - 1 && valueAt(doc, path.slice(0, depth + 1)) !== undefined) depth++;
  const exists = valueAt(doc, path) !== undefined;
  const key = exists ? path.length - 1 : depth;
  // The value the missing property holds: the entry, inside the containers still missing.
  const value = path.slice(key + 1).reduceRight<unknown>((inner, name) => ({ [name]: inner }), entry);
  const plain = modify(text, path.slice(0, key + 1), value, {});
  const container = (key === 0 ? doc : valueAt(doc, path.slice(0, key))) as Table;
  if (plain.length !== 1 || (!exists && Object.keys(container).length === 0)) return modify(text, [...path], entry, { formattingOptions: style });
  const edit = plain[0]!;
  const line = lineAround(text, edit.offset);
  if (exists) return [{ ...edit, content: pretty(value, line.indent, style) }];
  const tail = LINE_TAIL.exec(text.slice(edit.offset, line.end));
  // Written on one line with more after it (`{"a": 1, "b": 2}`): added the same way, on that line.
  if (!tail) return plain;
  const property = `${eol}${line.indent}${JSON.stringify(path[key])}: ${pretty(value, line.indent, style)}`;
  // After a trailing comma (`"b": 2, // note`), the file's style: ours gets one too.
  if (tail[1]) return [{ offset: line.end, length: 0, content: `${property},` }];
  return [
    { offset: edit.offset, length: 0, content: "," },
    { offset: line.end, length: 0, content: property },
  ];
}

/**
 * The text without the property at `path`. One that has lines of its own loses exactly those
 * (and, when it was the last, the comma its predecessor got for it); one written inline is
 * removed by jsonc-parser.
 */
function removeProperty(text: string, path: readonly string[]): string {
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const value = tree && findNodeAtLocation(tree, [...path]);
  const property = value?.parent;
  const object = property?.parent;
  if (!value || !property || property.type !== "property" || !object) return text;
  const start = lineAround(text, property.offset);
  const end = property.offset + property.length;
  const after = lineAround(text, end);
  const tail = LINE_TAIL.exec(text.slice(end, after.end));
  const ownLines = text.slice(start.start, property.offset).trim() === "" && tail !== null;
  if (!ownLines) return applyEdits(text, modify(text, [...path], undefined, {}));
  const next = text.indexOf("\n", after.end);
  let result = text.slice(0, start.start) + text.slice(next === -1 ? text.length : next + 1);
  const siblings = object.children ?? [];
  const index = siblings.indexOf(property);
  const previous = siblings[index - 1];
  // The last property without a comma of its own: the comma its predecessor got for it goes too.
  if (index === siblings.length - 1 && previous && !tail[1]) {
    const from = previous.offset + previous.length;
    const comma = text.indexOf(",", from);
    if (comma !== -1 && comma < start.start) result = result.slice(0, comma) + result.slice(comma + 1);
  }
  return result;
}
