import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ERROR_CODES, type ErrorCode, exitCodeFor, httpStatusFor, isErrorCode, PatchbayError } from "../../src/errors/index.ts";
import { repoRoot } from "../support/patchbay.ts";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** `exitCodeFor` before the table: chosen from the code's name. */
function exitByName(code: string): number {
  if (code === "usage" || code === "config_invalid" || code.startsWith("invalid_")) return 2;
  // Bad input by issue #15's one rule: an unknown agent name, and a command that needs a terminal run without one and without the flags.
  if (code === "unknown_agent" || code === "not_interactive") return 2;
  if (code === "server_running" || code === "state_owned") return 3;
  return 1;
}

/** The status table `src/http/attachments.ts` kept before the table, 400 for any other code. */
const ATTACHMENT_STATUS: Record<string, number> = { attachment_url_invalid: 403, attachment_not_found: 404, attachment_exists: 409, attachment_too_large: 413 };

function sources(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => ({ file: relative(repoRoot, join(dir, name)), text: readFileSync(join(dir, name), "utf8") }));
}

const SRC = sources(join(repoRoot, "src"));

/**
 * The literal codes src/ builds errors with: `new PatchbayError("…"`, the fallback of a
 * `PatchbayError.received(…)`, and calls of a helper in the same file that takes `code: ErrorCode`.
 * (The type checker enforces the same for every construction; this names the code and file.)
 */
function codesUsed(): Array<{ file: string; code: string }> {
  const found: Array<{ file: string; code: string }> = [];
  for (const { file, text } of SRC) {
    const helpers = [...text.matchAll(/function (\w+)\(code: ErrorCode\b/g)].map((match) => match[1]!);
    const patterns = [
      /new PatchbayError\(\s*"([^"]+)"/g,
      /PatchbayError\.received\(\{\s*code: [^,]*?\?\? "([^"]+)"/g,
      ...helpers.map((name) => new RegExp(`\\b${name}\\(\\s*"([^"]+)"`, "g")),
    ];
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push({ file, code: match[1]! });
  }
  return found;
}

/** The text between the bracket at `open` and its partner, skipping brackets inside string and template literals. */
function bracketed(text: string, open: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let index = open; index < text.length; index++) {
    const char = text[index]!;
    if (quote) {
      if (char === "\\") index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === "`") quote = char;
    else if ("({[".includes(char)) depth++;
    else if (")}]".includes(char) && --depth === 0) return text.slice(open + 1, index);
  }
  throw new Error(`unbalanced brackets after offset ${open}`);
}

/** Everything after the first top-level comma of a call's arguments: the message and the options. */
function afterFirstArgument(args: string): string {
  let depth = 0;
  for (let index = 0; index < args.length; index++) {
    const char = args[index]!;
    if ("({[".includes(char)) depth++;
    else if (")}]".includes(char)) depth--;
    else if (char === "," && depth === 0) return args.slice(index + 1);
  }
  return "";
}

interface ThrowSite {
  where: string;
  code: string;
  passesNext: boolean;
}

/**
 * Each construction of a PatchbayError in src/ with the codes it can carry and whether it passes a
 * `next` of its own: literal codes (a ternary gives each of its literals), a helper taking
 * `code: ErrorCode` once per call of it, and `asPatchbayError`'s fallback per caller. A code from
 * elsewhere (another error's) is fine with a `next` passed; without one, the form is unknown and
 * fails the test, so a new one is taught here rather than skipped.
 */
function throwSites(): { sites: ThrowSite[]; unknown: string[] } {
  const sites: ThrowSite[] = [];
  const unknown: string[] = [];
  const fallbacks = SRC.flatMap(({ text }) => [...text.matchAll(/\basPatchbayError\([^,()]+,\s*"([^"]+)"/g)].map((match) => match[1]!));
  for (const { file, text } of SRC) {
    for (const match of text.matchAll(/new PatchbayError\(/g)) {
      const lineStart = text.lastIndexOf("\n", match.index) + 1;
      if (/^\s*(\*|\/\/)/.test(text.slice(lineStart, match.index))) continue; // an example in a comment
      const args = bracketed(text, match.index + match[0].length - 1);
      const rest = afterFirstArgument(args);
      const first = args.slice(0, args.length - rest.length);
      const passesNext = /[{,]\s*next\s*[:,}]/.test(rest);
      const where = `${file}:${text.slice(0, match.index).split("\n").length}`;
      const literals = [...first.matchAll(/"([^"]+)"/g)].map((found) => found[1]!);
      const parameter = /^\s*(\w+)\s*,?\s*$/.exec(first)?.[1];
      const helper = parameter && new RegExp(`function (\\w+)\\(${parameter}: ErrorCode\\b`).exec(text)?.[1];
      if (literals.length > 0) for (const code of literals) sites.push({ where, code, passesNext });
      else if (helper) for (const call of text.matchAll(new RegExp(`\\b${helper}\\(\\s*"([^"]+)"`, "g"))) sites.push({ where, code: call[1]!, passesNext });
      else if (parameter === "fallbackCode") for (const code of ["internal_error", ...fallbacks]) sites.push({ where, code, passesNext });
      else if (!passesNext) unknown.push(where);
    }
  }
  return { sites, unknown };
}

describe("ERROR_CODES", () => {
  test("each code's exit code is the one the old name rules gave (2 usage, config_invalid, invalid_*; 3 server_running, state_owned; else 1)", () => {
    const differing = CODES.filter((code) => ERROR_CODES[code].exit !== exitByName(code));
    expect(differing).toEqual([]);
    for (const code of CODES) expect(exitCodeFor(new PatchbayError(code, "x"))).toBe(exitByName(code));
  });

  test("each code's HTTP status is the one the attachments route's old table gave", () => {
    const differing = CODES.filter((code) => ERROR_CODES[code].http !== (ATTACHMENT_STATUS[code] ?? 400));
    expect(differing).toEqual([]);
    for (const code of CODES) expect(httpStatusFor(new PatchbayError(code, "x"))).toBe(ATTACHMENT_STATUS[code] ?? 400);
  });

  test("every code src/ throws is in the table", () => {
    const used = codesUsed();
    expect(used.length).toBeGreaterThan(150);
    expect(used.filter(({ code }) => !isErrorCode(code))).toEqual([]);
  });

  test("every code in the table is used somewhere in src/ (no stale entries)", () => {
    const text = SRC.filter(({ file }) => file !== join("src", "errors", "codes.ts"))
      .map((source) => source.text)
      .join("\n");
    expect(CODES.filter((code) => !text.includes(`"${code}"`))).toEqual([]);
  });

  test("every code src/ throws without a next step of its own has a default next step in the table", () => {
    const { sites, unknown } = throwSites();
    expect(unknown).toEqual([]);
    expect(sites.length).toBeGreaterThan(300);
    const bare = sites.filter((site) => !site.passesNext && isErrorCode(site.code) && !ERROR_CODES[site.code].next);
    expect(bare.map(({ where, code }) => `${where} ${code}`)).toEqual([]);
  });

  test("an error built without a next step carries its code's default; a site's own next step wins", () => {
    const defaulted = new PatchbayError("path_outside_roots", "/etc is outside the allowed roots");
    expect(defaulted.next).toBe(ERROR_CODES.path_outside_roots.next!);
    expect(defaulted.text).toBe(`/etc is outside the allowed roots (${ERROR_CODES.path_outside_roots.next})`);
    expect(defaulted.toJSON().next).toBe(ERROR_CODES.path_outside_roots.next!);
    expect(defaulted.hasDefaultNext).toBe(true);
    const own = new PatchbayError("path_outside_roots", "m", { next: "mine" });
    expect(own.next).toBe("mine");
    expect(own.hasDefaultNext).toBe(false);
    expect(new PatchbayError("edit_no_match", "m").next).toBeUndefined();
  });

  test("an error received from a server of another version keeps its code and exits 1", () => {
    const error = PatchbayError.received({ code: "invalid_from_the_future", message: "m", next: "n" });
    expect(error.code as string).toBe("invalid_from_the_future");
    expect(error.text).toBe("m (n)");
    expect(exitCodeFor(error)).toBe(1);
    expect(httpStatusFor(error)).toBe(400);
  });
});
