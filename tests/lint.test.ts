import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./support/patchbay.ts";

const biome = join(repoRoot, "node_modules", ".bin", "biome");

// Formatting and lint errors fail the suite, so CI enforces them (`npm run format` fixes the formatting).
test("src, tests and scripts are formatted and lint-clean (biome ci)", () => {
  const result = spawnSync(biome, ["ci", "--colors=off", "."], { cwd: repoRoot, encoding: "utf8" });
  expect(result.status, result.stdout + result.stderr).toBe(0);
}, 120_000);
