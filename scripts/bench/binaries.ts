/**
 * Compiles everything the bench runs into one temp directory, all with the release flags, so
 * patchbay and its baselines differ only in their code. patchbay goes through scripts/build.ts
 * (the release build) but into the temp dir, leaving dist/patchbay to whoever else uses it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./processes.ts";

export interface Binaries {
  patchbay: string;
  /** Answers `initialize` with a fixed string: the floor of any Bun program. */
  bunHello: string;
  /** The same SDK, one tool: the yardstick the targets are set against. */
  sdkMinimal: string;
}

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const COMPILE_FLAGS = ["build", "--compile", "--minify", "--bytecode", "--format=esm"];

async function compileBaseline(source: string, outfile: string): Promise<string> {
  await run(process.execPath, [...COMPILE_FLAGS, join("scripts/bench/baselines", source), "--outfile", outfile], { cwd: repoRoot });
  return outfile;
}

export async function buildBinaries(dir: string): Promise<Binaries> {
  const patchbay = join(dir, "patchbay");
  await run(process.execPath, ["scripts/build.ts", patchbay], { cwd: repoRoot });
  return {
    patchbay,
    bunHello: await compileBaseline("bun-hello.ts", join(dir, "bun-hello")),
    sdkMinimal: await compileBaseline("sdk-minimal.ts", join(dir, "sdk-minimal")),
  };
}
