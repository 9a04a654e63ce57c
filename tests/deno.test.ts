/**
 * The same source runs under Deno 2: the CLI, and a standalone stdio MCP session driven by the
 * real SDK v1 client. Deno's first start compiles the TypeScript, so the timeouts are generous.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { connectDenoStdio, runDenoCli, type DenoOptions, type DenoStdioSession } from "./support/deno.ts";
import { removeTempDirs, repoRoot, tempDir } from "./support/patchbay.ts";

const DENO_TIMEOUT_MS = 120_000;
const SUBCOMMANDS = ["start", "stdio", "status", "stop", "settings", "doctor"];
const lockFile = join(repoRoot, "deno.lock");

let deno: DenoOptions;
let lockExistedBefore: boolean;
beforeAll(() => {
  deno = { home: tempDir(), denoDir: tempDir("patchbay-deno-cache-") };
  lockExistedBefore = existsSync(lockFile);
});
afterAll(removeTempDirs);

test(
  "under Deno, `patchbay --help` exits 0 and prints the usage with every subcommand",
  async () => {
    const result = await runDenoCli(["--help"], { ...deno, timeoutMs: DENO_TIMEOUT_MS });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(result.stdout).toContain(`USAGE patchbay ${SUBCOMMANDS.join("|")}`);
    for (const name of SUBCOMMANDS) expect(result.stdout).toMatch(new RegExp(`^\\s+${name}\\s{2,}\\S`, "m"));
  },
  DENO_TIMEOUT_MS,
);

describe("under Deno, `patchbay stdio --standalone` with the SDK v1 client", () => {
  let session: DenoStdioSession;
  beforeAll(async () => {
    session = await connectDenoStdio(["--standalone"], deno);
  }, DENO_TIMEOUT_MS);
  afterAll(async () => {
    await session?.close();
  });

  // The v1 client speaks only 2025-era revisions (2025-11-25 first) and refuses any other answer.
  test("answers the 2025-era initialize as server `patchbay`", () => {
    expect(session.client.getServerVersion()?.name).toBe("patchbay");
  });

  test(
    "tools/list includes the self-test and tool-mode tools",
    async () => {
      const { tools } = await session.client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["codex_self_test", "codex_tool_mode_info", "codex_tool_mode_switch"]));
    },
    DENO_TIMEOUT_MS,
  );

  test(
    "codex_self_test reports ready",
    async () => {
      const result = await session.client.callTool({ name: "codex_self_test", arguments: {} }, undefined, { timeout: DENO_TIMEOUT_MS });
      expect({ isError: result.isError ?? false, ready: (result.structuredContent as { ready?: unknown } | undefined)?.ready }).toEqual({
        isError: false,
        ready: true,
      });
    },
    DENO_TIMEOUT_MS,
  );
});

// Declared last, so it runs after every Deno run above (bun runs a file's tests in order).
test("running under Deno leaves no deno.lock in the repository", () => {
  expect(existsSync(lockFile)).toBe(lockExistedBefore);
});
