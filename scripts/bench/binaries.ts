/**
 * Compiles everything the bench runs into one temp directory, all with the release flags, so
 * patchbay and its baselines differ only in their code. patchbay goes through scripts/build.ts
 * (the release build) but into the temp dir, leaving dist/patchbay to whoever else uses it.
 */
import { chmodSync, copyFileSync, cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPILE_FLAGS } from "../compile-flags.ts";
import { run } from "./processes.ts";

export interface Binaries {
  patchbay: string;
  /** Answers `initialize` with a fixed string: the floor of any Bun program. */
  bunHello: string;
  /** The same SDK, one tool: the yardstick the targets are set against. */
  sdkMinimal: string;
  /** bin/patchbay in a copy of the checkout's layout (bin/, src/, dist/patchbay newer than src/): what a host ran before `mcp install` registered the binary itself. */
  wrapper: string;
}

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export async function compileBaseline(source: string, outfile: string): Promise<string> {
  await run(process.execPath, [...COMPILE_FLAGS, join("scripts/bench/baselines", source), "--outfile", outfile], { cwd: repoRoot });
  return outfile;
}

/** The wrapper's own cost is its `find` over src/, so the copy has the whole src/ tree and a binary newer than all of it. */
function wrapperLayout(dir: string, patchbay: string): string {
  const root = join(dir, "checkout");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "dist"));
  cpSync(join(repoRoot, "src"), join(root, "src"), { recursive: true });
  copyFileSync(join(repoRoot, "bin", "patchbay"), join(root, "bin", "patchbay"));
  chmodSync(join(root, "bin", "patchbay"), 0o755);
  copyFileSync(patchbay, join(root, "dist", "patchbay"));
  chmodSync(join(root, "dist", "patchbay"), 0o755);
  return join(root, "bin", "patchbay");
}

export async function buildBinaries(dir: string): Promise<Binaries> {
  const patchbay = join(dir, "patchbay");
  await run(process.execPath, ["scripts/build.ts", patchbay], { cwd: repoRoot });
  return {
    patchbay,
    wrapper: wrapperLayout(dir, patchbay),
    bunHello: await compileBaseline("bun-hello.ts", join(dir, "bun-hello")),
    sdkMinimal: await compileBaseline("sdk-minimal.ts", join(dir, "sdk-minimal")),
  };
}
