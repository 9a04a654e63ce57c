/**
 * Issue #16: audit lines are batched off the answer's path, yet a process that exits right after
 * its calls, before any batch was written, still leaves every line in the file.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runProcess } from "../support/process.ts";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

test("1,000 calls recorded just before process.exit all reach the audit file, in call order", async () => {
  const file = join(tempDir("pb-audit-"), "logs", "audit.log");
  const script = [
    `import { createAuditLog } from ${JSON.stringify(join(repoRoot, "src", "log", "audit.ts"))};`,
    `const audit = createAuditLog(${JSON.stringify(file)}, (error) => { console.error(error); process.exit(3); });`,
    `for (let i = 0; i < 1000; i++) audit.record({ client_ref: "c", tool: "t" + i, repo: null, outcome: "ok", duration_ms: 0 });`,
    "process.exit(0);",
  ].join("\n");
  const bun = join(repoRoot, "node_modules", ".bin", "bun");
  const result = await runProcess(bun, ["-e", script], { cwd: repoRoot, env: { PATH: process.env.PATH } });
  expect(result.code, result.stderr).toBe(0);
  const tools = readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => (JSON.parse(line) as { tool: string }).tool);
  expect(tools).toEqual(Array.from({ length: 1000 }, (_, i) => `t${i}`));
});
