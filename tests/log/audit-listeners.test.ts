/** An audit log holds an exit hook only while lines wait to be written: many logs in one process leave no hooks behind. */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAuditLog } from "../../src/log/audit.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(() => removeTempDirs());

test("100 audit logs that each wrote a line leave the process's exit listeners as they were", async () => {
  const dir = tempDir("patchbay-audit-listeners-");
  const before = process.listenerCount("exit");
  const files = Array.from({ length: 100 }, (_, index) => join(dir, `audit-${index}.jsonl`));
  for (const file of files) createAuditLog(file, () => {}).record({ client_ref: "c", tool: "codex_read_file", repo: null, outcome: "ok", duration_ms: 0 });
  expect(process.listenerCount("exit")).toBe(before + 100); // waiting lines are kept for a clean exit
  // Lines wait up to FLUSH_AFTER_MS (src/log/audit.ts) to share an append; then every hook is gone.
  await until(() => process.listenerCount("exit"), "the audit logs' exit listeners to be removed", { accept: (count) => count === before });
  for (const file of files) expect(JSON.parse(readFileSync(file, "utf8")).tool).toBe("codex_read_file");
});
