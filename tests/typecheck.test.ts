import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./support/patchbay.ts";

const tsc = join(repoRoot, "node_modules", ".bin", "tsc");

for (const project of ["tsconfig.json", "tests/tsconfig.json"]) {
  test(`${project} type-checks under strict TypeScript`, () => {
    const result = spawnSync(tsc, ["--noEmit", "-p", project], { cwd: repoRoot, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);
}
