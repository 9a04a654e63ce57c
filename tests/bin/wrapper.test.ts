/**
 * bin/patchbay, the command the README puts on PATH: the compiled dist/patchbay when it is newer
 * than every file in src/, the source under the bundled Bun otherwise, and a clear next step when
 * neither can run. Driven in a copy of the layout with stand-ins that say which one ran.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";
import { runProcess } from "../support/process.ts";

afterAll(removeTempDirs);

/** An executable that prints who it is and its arguments, last changed `ageMs` ago. */
function standIn(path: string, says: string, ageMs: number): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho "${says} $*"\n`);
  chmodSync(path, 0o755);
  const then = new Date(Date.now() - ageMs);
  utimesSync(path, then, then);
}

/** A checkout's layout: bin/patchbay (the real one), src/cli.ts, and optionally the build and Bun. */
function checkout(options: { built: boolean; bun: boolean }): string {
  const root = tempDir("pb-wrapper-");
  mkdirSync(join(root, "bin"));
  copyFileSync(join(repoRoot, "bin", "patchbay"), join(root, "bin", "patchbay"));
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src", "cli.ts"), "");
  const past = new Date(Date.now() - 60_000);
  utimesSync(join(root, "src", "cli.ts"), past, past);
  utimesSync(join(root, "src"), past, past);
  // Built after the source was last changed.
  if (options.built) standIn(join(root, "dist", "patchbay"), "compiled", 30_000);
  if (options.bun) standIn(join(root, "node_modules", ".bin", "bun"), "bun", 30_000);
  return root;
}

const run = (command: string, args: string[]) => runProcess(command, args, { cwd: tempDir(), env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });

describe("bin/patchbay", () => {
  test("runs the compiled binary when it is newer than src/, with the arguments", async () => {
    const root = checkout({ built: true, bun: true });
    const result = await run(join(root, "bin", "patchbay"), ["status", "--json"]);
    expect(result.stdout).toBe("compiled status --json\n");
  });

  test("through a symlink on PATH (npm link) it finds its checkout", async () => {
    const root = checkout({ built: true, bun: true });
    const link = join(tempDir(), "patchbay");
    symlinkSync(join(root, "bin", "patchbay"), link);
    expect((await run(link, ["--version"])).stdout).toBe("compiled --version\n");
  });

  test("runs the source under the bundled Bun while src/ has a newer file", async () => {
    const root = checkout({ built: true, bun: true });
    writeFileSync(join(root, "src", "cli.ts"), "// changed after the build\n");
    const now = new Date();
    utimesSync(join(root, "src", "cli.ts"), now, now);
    const result = await run(join(root, "bin", "patchbay"), ["status"]);
    expect(result.stdout).toBe(`bun --no-env-file --config=${join(root, "bunfig.toml")} ${join(root, "src", "cli.ts")} status\n`);
  });

  test("neither a build nor Bun: exit 1 and the command that fixes it", async () => {
    const root = checkout({ built: false, bun: false });
    const result = await run(join(root, "bin", "patchbay"), ["status"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`next: run \`npm ci && npm run build\` in ${root}`);
  });
});
