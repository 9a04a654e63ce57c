/**
 * Every progress notification reaches a stdio host before the result, also a host that reads in
 * bursts (a busy one): the SDK clients drop a notification read together with its result, so the
 * server pings the client after the last one and answers the call only once the ping is answered.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connectStdio, type Generation } from "../support/clients.ts";
import { removeTempDirs, repoRoot, runPatchbay, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

// The 2025-era sessions every host speaks today; the 2026 era gives a server no request to ask with (src/mcp/progress.ts).
const GENERATIONS_2025: Generation[] = ["v1", "v2-legacy"];

async function expectEveryProgressFirst(connect: () => ReturnType<typeof connectStdio>): Promise<void> {
  const client = await connect();
  try {
    for (let call = 0; call < 3; call++) {
      const progress: number[] = [];
      const result = await client.callTool("codex_self_test", {}, { onprogress: (p) => progress.push(p.progress) });
      expect(result.isError).toBeFalsy();
      expect(progress).toEqual([1, 2, 3]);
    }
  } finally {
    await client.close();
  }
}

describe("a stdio host that reads in bursts gets codex_self_test's three progress notifications before its result", () => {
  const home = tempDir();
  afterAll(async () => void (await runPatchbay(["stop"], { home })));

  for (const generation of GENERATIONS_2025) {
    test(`${generation}, --standalone`, () =>
      expectEveryProgressFirst(() => connectStdio(generation, { home: tempDir(), args: ["--standalone", "--root", repoRoot], readsInBursts: true })));
    test(`${generation}, relayed to the shared server`, () =>
      expectEveryProgressFirst(() => connectStdio(generation, { home, args: ["--root", repoRoot], readsInBursts: true })));
  }
});
