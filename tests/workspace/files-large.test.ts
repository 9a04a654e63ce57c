/**
 * codex_search_repo and codex_repo_tree on a generated 10,000-file git repository: the caps hold
 * and the answers are complete (their speed is benchmarked: scripts/bench/workspace.ts).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { FILE_TOOLS } from "../../src/workspace/tools/files.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { toolHarness, type ToolHarness } from "../support/tools.ts";

const DIRS = 100;
const FILES_PER_DIR = 100;
let tools: ToolHarness;

/** 100 directories of 100 files; every file mentions `common`, every 50th also `rare_token_<n>`. */
function generateRepo(): string {
  const files: Record<string, string> = {};
  for (let d = 0; d < DIRS; d++) {
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const n = d * FILES_PER_DIR + f;
      files[`pkg${String(d).padStart(3, "0")}/file${String(f).padStart(3, "0")}.ts`] =
        `// file ${n}\nexport const common = ${n};\n${n % 50 === 0 ? `export const rare_token_${n} = true;\n` : ""}`;
    }
  }
  return makeGitRepo(files, { prefix: "patchbay-large-", commits: ["generated"] });
}

beforeAll(async () => {
  tools = await toolHarness(FILE_TOOLS, { roots: [generateRepo()], mode: "standard" });
}, 120_000); // writing and committing 10,000 files took over 30 s on a loaded 2-core machine

afterAll(async () => {
  await tools.close();
  removeTempDirs();
});

type Found = { matches: Array<{ path: string; line: number }>; truncated: boolean };
type Listing = { entries: Array<{ path: string }>; truncated: boolean; counts: { files: number; dirs: number; symlinks: number } };

test("a search hitting every file stops at max_results with truncated", async () => {
  const found = await tools.ok<Found>("codex_search_repo", { query: "export const common", max_results: 1000 });
  expect(found.matches.length).toBe(1000);
  expect(found.truncated).toBe(true);
  expect(found.matches[0]).toMatchObject({ path: "pkg000/file000.ts", line: 2 });
});

test("a rare literal is found in all 200 files that hold it, in path order", async () => {
  const found = await tools.ok<Found>("codex_search_repo", { query: "rare_token_", max_results: 1000 });
  expect(found.truncated).toBe(false);
  expect(found.matches.length).toBe(200);
  expect(found.matches.at(-1)).toMatchObject({ path: "pkg099/file050.ts", line: 3 });
});

test("a regex search over the whole tree is bounded too", async () => {
  const found = await tools.ok<Found>("codex_search_repo", { query: "rare_token_\\d+50 ", regex: true, max_results: 10 });
  // rare_token_<d>50 for d >= 1: file050 of pkg001, pkg002, …
  expect(found.matches.map((match) => match.path)).toEqual(Array.from({ length: 10 }, (_, i) => `pkg${String(i + 1).padStart(3, "0")}/file050.ts`));
  expect(found.truncated).toBe(true);
});

test("the tree stops at the entry cap, shallowest first", async () => {
  const listing = await tools.ok<Listing>("codex_repo_tree", { max_depth: 5, max_entries: 5000 });
  expect(listing.entries.length).toBe(5000);
  expect(listing.truncated).toBe(true);
  expect(listing.counts).toEqual({ files: 4900, dirs: 100, symlinks: 0 });
  const clamped = await tools.ok<Listing>("codex_repo_tree", { max_depth: 5, max_entries: 50_000 });
  expect(clamped.entries.length).toBe(5000);
});

// How fast search and tree answer is measured against git on the same repository by
// scripts/bench/workspace.ts (docs/benchmarks.md): wall-clock limits do not belong in tests on a shared box.
test("a search for a prefix of the rare token and a shallow tree answer completely on 10,000 files", async () => {
  const found = await tools.ok<Found>("codex_search_repo", { query: "rare_token_4", max_results: 1000 });
  // rare_token_400, rare_token_450 and rare_token_4000 … rare_token_4950.
  expect(found.truncated).toBe(false);
  expect(found.matches.map((match) => match.path)).toEqual([
    "pkg004/file000.ts",
    "pkg004/file050.ts",
    ...Array.from({ length: 10 }, (_, i) => [`pkg0${40 + i}/file000.ts`, `pkg0${40 + i}/file050.ts`]).flat(),
  ]);
  const listing = await tools.ok<Listing>("codex_repo_tree", { max_depth: 2, max_entries: 5000 });
  expect(listing.entries.length).toBe(5000);
  expect(listing.truncated).toBe(true);
  expect(listing.counts).toEqual({ files: 4900, dirs: DIRS, symlinks: 0 });
});
