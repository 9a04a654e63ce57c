/**
 * Issue #13 ("Habits"): lines stay readable. Biome formats code to its lineWidth (biome.json) but
 * never breaks a string literal, so long strings are split into joined sentences by hand; this
 * check holds every line of src/, scripts/, tests/ and bin/ to MAX_LINE characters.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./support/patchbay.ts";

const MAX_LINE = 200;
const CHECKED = ["src", "scripts", "tests", "bin"];
/** Not ours to wrap: installed agent CLIs, screenshots, and recorded agent output and tool results replayed byte for byte. */
const EXCLUDED = ["tests/agents-cli/", "tests/reasonix-cli/", "tests/widget/baselines/", "tests/agents/fixtures/", "tests/widget/fixtures/"];

function filesUnder(dir: string): string[] {
  const path = relative(repoRoot, dir);
  if (EXCLUDED.some((excluded) => `${path}/`.startsWith(excluded))) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

/** `file:line (length)` for each line longer than MAX_LINE characters in a text file. */
function longLines(file: string): string[] {
  const bytes = readFileSync(file);
  if (bytes.includes(0)) return []; // binary
  return bytes
    .toString("utf8")
    .split("\n")
    .flatMap((line, index) => (line.length > MAX_LINE ? [`${relative(repoRoot, file)}:${index + 1} (${line.length} characters)`] : []));
}

test(`no line in ${CHECKED.join(", ")} is longer than ${MAX_LINE} characters`, () => {
  const files = CHECKED.flatMap((dir) => filesUnder(join(repoRoot, dir)));
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap(longLines)).toEqual([]);
});

test("biome formats code within the same limit, so the formatter never writes a line this check refuses", () => {
  const biome = JSON.parse(readFileSync(join(repoRoot, "biome.json"), "utf8")) as { formatter: { lineWidth: number } };
  expect(biome.formatter.lineWidth).toBeLessThanOrEqual(MAX_LINE);
});
