import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { denoBinary } from "../support/deno.ts";
import { runProcess } from "../support/process.ts";
import { repoRoot } from "../support/patchbay.ts";
import { removeTempDirs, tempDir } from "./support.ts";

afterAll(removeTempDirs);

const DENO_TIMEOUT_MS = 120_000;

test(
  "under Deno, runAgent runs the mock agent with `deno run` (process groups, stdin, parsing)",
  async () => {
    const env = { PATH: process.env.PATH ?? "", HOME: tempDir(), DENO_DIR: tempDir("patchbay-deno-cache-"), DENO_NO_UPDATE_CHECK: "1" };
    const result = await runProcess(denoBinary, ["run", "-A", "--no-lock", join("tests", "agents", "fixtures", "deno-mock.ts")], {
      cwd: repoRoot,
      env,
      timeoutMs: DENO_TIMEOUT_MS,
    });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual({
      status: "succeeded",
      finalMessage: "done",
      endedBy: "exit",
      written: "from deno",
      types: ["session", "file_change", "message", "usage"],
    });
  },
  DENO_TIMEOUT_MS,
);
