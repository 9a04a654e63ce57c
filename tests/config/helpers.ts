import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchbayError } from "../../src/errors/index.ts";

const created: string[] = [];

/** A fresh directory, used as PATCHBAY_HOME or as a root; see removeTempDirs. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-config-"));
  created.push(dir);
  return dir;
}

/**
 * Each test file calls `afterAll(removeTempDirs)`: this module is evaluated once for all files,
 * so a hook registered here would only run for the first file.
 */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function writeConfig(home: string, toml: string): void {
  writeFileSync(join(home, "config.toml"), toml);
}

export function writeProfile(home: string, name: string, toml: string): void {
  mkdirSync(join(home, "profiles"), { recursive: true });
  writeFileSync(join(home, "profiles", `${name}.toml`), toml);
}

/** The PatchbayError a promise or function fails with, so tests can assert code, message and next. */
export async function failure(run: () => unknown): Promise<PatchbayError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof PatchbayError) return error;
    throw error;
  }
  throw new Error("expected a PatchbayError, but nothing was thrown");
}
