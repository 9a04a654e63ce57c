import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ERROR_CODES, type ErrorCode, exitCodeFor, httpStatusFor, isErrorCode, PatchbayError } from "../../src/errors/index.ts";
import { repoRoot } from "../support/patchbay.ts";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** `exitCodeFor` before the table: chosen from the code's name. */
function exitByName(code: string): number {
  if (code === "usage" || code === "config_invalid" || code.startsWith("invalid_")) return 2;
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

  test("an error received from a server of another version keeps its code and exits 1", () => {
    const error = PatchbayError.received({ code: "invalid_from_the_future", message: "m", next: "n" });
    expect(error.code as string).toBe("invalid_from_the_future");
    expect(error.text).toBe("m (n)");
    expect(exitCodeFor(error)).toBe(1);
    expect(httpStatusFor(error)).toBe(400);
  });
});
