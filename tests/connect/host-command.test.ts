/**
 * Issue #16: hosts start the registered command for every session, so `mcp install` registers the
 * compiled binary by its real path: not bin/patchbay (a `find` over src/ per launch) and not the
 * TypeScript source under Bun (a transpile per launch), however patchbay itself was started.
 */
import { afterAll, expect, test } from "bun:test";
import { realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { runProcess } from "../support/process.ts";
import { binaryPath, removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const compiled = () => realpathSync(binaryPath);

/** The Claude entry `mcp install claude --dry-run` would write, run as `argv`. */
async function registeredCommand(argv: string[]): Promise<string> {
  const home = tempDir("pb-host-command-");
  const ws = makeGitRepo({ "README.md": "# x\n" });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", HOME: home, PATCHBAY_HOME: join(home, "pb") };
  const [command, ...args] = argv as [string, ...string[]];
  const result = await runProcess(command, [...args, "mcp", "install", "claude", "--dry-run"], { cwd: ws, env, timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  const line = result.stdout.split("\n").find((text) => text.includes('"command":'));
  return JSON.parse(`{${line!.replace(/^\+\s*/, "").replace(/,$/, "")}}`).command;
}

test("run from the TypeScript source, as bin/patchbay does when src/ is newer, it registers the compiled binary", async () => {
  const bun = join(repoRoot, "node_modules", ".bin", "bun");
  expect(await registeredCommand([bun, join(repoRoot, "src", "cli.ts")])).toBe(compiled());
});

test("run through a symlink to bin/patchbay, as npm installs it, it registers the compiled binary's real path", async () => {
  const link = join(tempDir("pb-host-link-"), "patchbay");
  symlinkSync(join(repoRoot, "bin", "patchbay"), link);
  expect(await registeredCommand([link])).toBe(compiled());
});
