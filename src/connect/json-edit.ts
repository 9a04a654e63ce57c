import { applyEdits, type FormattingOptions, modify, parse, type ParseError, printParseErrorCode } from "jsonc-parser";
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
 * comments, key order and formatting elsewhere stay as they were. Containers on the way that
 * the removal leaves empty are removed too, so an uninstall undoes exactly what install created.
 *
 * @example
 * setJsonValue('{\n  // mine\n  "theme": "dark"\n}\n', ["mcpServers", "patchbay"], { command: "/bin/patchbay" }, "settings.json");
 */
export function setJsonValue(text: string, path: readonly string[], entry: Table | undefined, file: string): string {
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
  const options = { formattingOptions: formatting(source) };
  let result = applyEdits(source, modify(source, [...path], entry, options));
  if (entry === undefined) {
    for (let depth = path.length - 1; depth >= 1; depth--) {
      const container = valueAt(parseJsonObject(result, file), path.slice(0, depth));
      if (!container || Object.keys(container as Table).length > 0) break;
      result = applyEdits(result, modify(result, path.slice(0, depth), undefined, options));
    }
  }
  return result.endsWith("\n") ? result : `${result}\n`;
}
