/** The job runtime runs under Deno 2 too: an apply job of the mock agent through a standalone stdio session. */
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { connectDenoStdio } from "../support/deno.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { mockPrompt } from "./support.ts";

const DENO_TIMEOUT_MS = 120_000;
afterAll(removeTempDirs);

test(
  "under Deno, an apply job runs in its worktree and its result comes back",
  async () => {
    const home = tempDir();
    writeFileSync(join(home, "config.toml"), '[app]\ntool_mode = "full"\n');
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const session = await connectDenoStdio(["--standalone", "--root", repo], { home, denoDir: tempDir("patchbay-deno-cache-") });
    try {
      const call = async (name: string, args: Record<string, unknown>) =>
        (await session.client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as {
          structuredContent?: Record<string, unknown>;
          content: unknown;
        };
      const started = await call("codex_apply_job", { spec: mockPrompt({ write: { path: "b.txt", content: "b\n" } }), agent: "mock" });
      expect(started.structuredContent, JSON.stringify(started.content) + session.stderr()).toBeDefined();
      const done = await call("codex_get_result", { job_id: started.structuredContent!.job_id, wait_seconds: 50 });
      const result = done.structuredContent as { state: string; result: { changed_files: string[]; error?: string } };
      expect({ state: result.state, error: result.result.error }).toEqual({ state: "succeeded", error: undefined });
      expect(result.result.changed_files).toEqual(["b.txt"]);
    } finally {
      await session.close();
    }
  },
  DENO_TIMEOUT_MS,
);
