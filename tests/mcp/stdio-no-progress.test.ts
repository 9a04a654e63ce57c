/**
 * A call without a progress token pays nothing for progress over stdio: no notification, and no
 * ping round trip (or 10 ms pause) before its answer; those are for callers that asked for
 * progress (src/mcp/progress.ts). Through the compiled binary, standalone and relayed.
 */
import { afterAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { patchbayBinary, patchbayEnv, removeTempDirs, repoRoot, runPatchbay, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

const line = (message: unknown) => `${JSON.stringify(message)}\n`;

async function kindsOfLines(args: string[], home: string): Promise<string[]> {
  const child = spawn(patchbayBinary(), args, { cwd: repoRoot, env: patchbayEnv(home), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stdin.write(
    line({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  );
  // codex_self_test reports progress to a caller that gives a token; this caller gives none.
  child.stdin.write(line({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "codex_self_test", arguments: {} } }));
  await until(() => stdout.includes('"id":1'), "the self test's answer");
  child.stdin.end();
  await new Promise((resolve) => child.once("close", resolve));
  return stdout
    .trimEnd()
    .split("\n")
    .map((text) => JSON.parse(text) as { id?: number; method?: string })
    .map((message) => message.method ?? `result ${message.id}`);
}

test("without a progress token the answer follows the request with no progress and no ping, in both modes", async () => {
  const home = tempDir();
  try {
    for (const args of [["stdio", "--standalone"], ["stdio"]]) expect(await kindsOfLines(args, home)).toEqual(["result 0", "result 1"]);
  } finally {
    await runPatchbay(["stop"], { home });
  }
});
