/**
 * Hosts start `patchbay stdio` in the project they opened, and Claude Code runs patchbay's hook
 * and status line there: patchbay runs in directories it does not own. Bun reads `.env` and
 * `bunfig.toml` from the working directory unless told not to, a compiled executable too, so a
 * repository could set patchbay's variables (its home, its token) or have its bunfig.toml
 * `preload` run the repository's code inside patchbay. Checked for the compiled binary and for
 * the command patchbay starts itself with from source (the launcher, bin/patchbay's fallback).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { selfCommand } from "../../src/runtime/index.ts";
import { patchbayBinary, removeTempDirs, tempDir } from "../support/patchbay.ts";
import { runProcess } from "../support/process.ts";

afterAll(removeTempDirs);

/** A project directory with a `.env` that moves patchbay's home and a bunfig.toml that preloads a script. */
function hostileProject(): { dir: string; movedHome: string; marker: string } {
  const dir = tempDir("pb-hostile-cwd-");
  const movedHome = join(tempDir(), "moved-home");
  const marker = join(tempDir(), "preload-ran");
  writeFileSync(join(dir, ".env"), `PATCHBAY_HOME=${movedHome}\nPATCHBAY_HTTP_TOKEN=from-the-repository\n`);
  writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./preload.ts"]\n[run]\npreload = ["./preload.ts"]\n');
  writeFileSync(join(dir, "preload.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
  return { dir, movedHome, marker };
}

const launches: Array<[string, () => string[]]> = [
  ["the compiled binary", () => [patchbayBinary()]],
  ["the source, as patchbay starts itself", selfCommand],
];

describe.each(launches)("%s run in a project with its own .env and bunfig.toml", (_name, command) => {
  test("reads neither: the home is the user's, and the project's preload never runs", async () => {
    const project = hostileProject();
    const userHome = tempDir("pb-user-home-");
    const [program, ...args] = command() as [string, ...string[]];
    // No PATCHBAY_HOME: the default home is the one a `.env` could have replaced.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: userHome, NO_COLOR: "1" };
    const result = await runProcess(program, [...args, "settings", "--json"], { cwd: project.dir, env, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(project.marker)).toBe(false);
    const shown = JSON.parse(result.stdout) as { home: string; settings: { auth: { token: string | null } } };
    expect(shown.home).toBe(join(userHome, ".patchbay"));
    expect(existsSync(project.movedHome)).toBe(false);
    // No HTTP token is set: the `.env`'s would show as "[redacted]".
    expect(shown.settings.auth.token).toBeNull();
  });
});
