/**
 * Finding 11 (artifacts): the artifact inbox has an overall quota, workers.max_inbox_bytes. A
 * small zip that unpacks large cannot be imported again and again: the import past the quota is
 * refused with the cleanup next step and leaves nothing on disk; cleanup makes room again.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { WORKER_TOML } from "../workers/support.ts";

const QUOTA = 1_000_000;
const harnesses = harnessSet(WORKER_TOOLS, { configToml: `${WORKER_TOML}\n[workers]\nmax_inbox_bytes = ${QUOTA}\n` });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

/** Bytes of every file under `dir`. */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

test("a zip bomb imported again and again stops at workers.max_inbox_bytes; cleanup frees room", async () => {
  // ~1 KB of zip that unpacks to 600 KB: two of them would pass the 1 MB quota.
  const bomb = zipSync({ "zeros.bin": new Uint8Array(600_000) }, { level: 9 });
  expect(bomb.byteLength).toBeLessThan(5_000);
  const repo = makeGitRepo({ "bomb.zip": bomb });
  const h = await harnesses.open(repo);
  const first = await h.ok<{ artifact: { id: string } }>("codex_worker_inbox", { action: "import_file", source_path: "bomb.zip" });

  const refused = await h.call("codex_worker_inbox", { action: "import_file", source_path: "bomb.zip" });
  expect(refused.isError).toBe(true);
  expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "artifact_inbox_full", next: expect.stringContaining("codex_worker_inbox action=cleanup") });
  for (let i = 0; i < 3; i++) expect(await h.errorCode("codex_worker_inbox", { action: "import_file", source_path: "bomb.zip" })).toBe("artifact_inbox_full");

  // The effect on disk: one artifact, the inbox within its quota.
  const artifacts = join(h.host.home, "artifacts");
  expect(readdirSync(artifacts)).toEqual([first.artifact.id]);
  expect(diskBytes(artifacts)).toBeLessThanOrEqual(QUOTA);
  expect((await h.ok<{ artifacts: unknown[] }>("codex_worker_inbox", { action: "list" })).artifacts).toHaveLength(1);

  expect((await h.ok<{ removed: boolean }>("codex_worker_inbox", { action: "cleanup", artifact_id: first.artifact.id })).removed).toBe(true);
  const again = await h.ok<{ artifact: { id: string } }>("codex_worker_inbox", { action: "import_file", source_path: "bomb.zip" });
  expect(readdirSync(artifacts)).toEqual([again.artifact.id]);
});
