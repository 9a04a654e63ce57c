import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { failure, removeTempDirs, tempDir, writeConfig } from "./helpers.ts";

afterAll(removeTempDirs);

/** A temp directory holding real sub-directories a/ and b/, as realpaths. */
function workspace(): { dir: string; a: string; b: string } {
  const dir = realpathSync(tempDir());
  for (const name of ["a", "b"]) mkdirSync(join(dir, name));
  return { dir, a: join(dir, "a"), b: join(dir, "b") };
}

describe("--root and --allow-root", () => {
  test("a relative --root resolves against cwd and becomes the default and only allowed root", async () => {
    const { dir, a } = workspace();
    const config = await loadConfig({ home: tempDir(), cwd: dir, flags: { root: "a" } });
    expect(config.repositories.default).toBe(a);
    expect(config.repositories.allowed).toEqual([a]);
  });

  test("--root narrows the file's allowed list to itself plus each --allow-root", async () => {
    const { dir, a, b } = workspace();
    const home = tempDir();
    writeConfig(home, `[repositories]\nallowed = ["/srv", "/opt"]\n`);
    const config = await loadConfig({ home, cwd: dir, flags: { root: a, allowRoot: ["b", "a"] } });
    expect(config.repositories.default).toBe(a);
    expect(config.repositories.allowed).toEqual([a, b]);
  });

  test("--allow-root alone replaces the allowed list and keeps the file's default", async () => {
    const { dir, b } = workspace();
    const home = tempDir();
    writeConfig(home, `[repositories]\ndefault = "/srv/main"\nallowed = ["/srv"]\n`);
    const config = await loadConfig({ home, cwd: dir, flags: { allowRoot: ["b"] } });
    expect(config.repositories).toMatchObject({ default: "/srv/main", allowed: [b] });
  });

  test("without root flags the allowed list stays as the file says, and cwd is not added", async () => {
    const { dir } = workspace();
    const config = await loadConfig({ home: tempDir(), cwd: dir, flags: { allowRoot: [] } });
    expect(config.repositories).toMatchObject({ default: "", allowed: [] });
  });

  test("a symlinked root is stored as its real path", async () => {
    const { dir, a } = workspace();
    symlinkSync(a, join(dir, "link"));
    const config = await loadConfig({ home: tempDir(), cwd: dir, flags: { root: "link" } });
    expect(config.repositories.default).toBe(a);
  });

  test("a root that does not exist is refused with the resolved path and the next step", async () => {
    const { dir } = workspace();
    const error = await failure(() => loadConfig({ home: tempDir(), cwd: dir, flags: { root: "missing" } }));
    expect(error.code).toBe("invalid_root");
    expect(error.message).toBe(`--root missing: ${join(dir, "missing")} does not exist`);
    expect(error.next).toBe("pass an existing directory to --root (relative paths start at the current directory)");
  });

  test("an --allow-root that is a file is refused", async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, "notes.txt"), "");
    const error = await failure(() => loadConfig({ home: tempDir(), cwd: dir, flags: { allowRoot: ["notes.txt"] } }));
    expect(error.code).toBe("invalid_root");
    expect(error.message).toBe(`--allow-root notes.txt: ${join(dir, "notes.txt")} is not a directory`);
  });
});

describe("flag values", () => {
  test("a flag value out of range names the flag as typed", async () => {
    const error = await failure(() => loadConfig({ home: tempDir(), flags: { port: 70000, toolMode: "max" as "full" } }));
    expect(error.code).toBe("invalid_flag");
    expect(error.message).toBe('--port: expected 0-65535, got 70000\n--tool-mode: expected one of minimal, worker, standard, full, got "max"');
  });
});
