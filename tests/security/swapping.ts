/**
 * Runs swap-loop.py (renameat2 RENAME_EXCHANGE in a tight loop) on two names for as long as a
 * test's calls take, for the red team's race tests: a directory flipping with a symlink out of the
 * repository, a file flipping with a hard link to a file outside.
 */
import { expect } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";

const SWAPPER = join(import.meta.dir, "swap-loop.py");

/** `during()` runs while `first` ⇄ `second` swap; the swapper is stopped after it and must end cleanly. */
export async function whileSwapping<T>(first: string, second: string, during: () => Promise<T>): Promise<T> {
  const swapper = spawn("python3", [SWAPPER, first, second, "120"], { stdio: ["ignore", "pipe", "inherit"] });
  let swapperOut = "";
  swapper.stdout.on("data", (chunk: Buffer) => (swapperOut += chunk.toString()));
  const swapperExited = new Promise<number | null>((resolve) => swapper.once("exit", (code) => resolve(code)));
  try {
    for (const deadline = Date.now() + 10_000; !swapperOut.startsWith("ready"); ) {
      if (Date.now() > deadline || swapper.exitCode !== null) throw new Error("swap-loop.py did not start");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return await during();
  } finally {
    swapper.kill("SIGTERM");
    expect(await swapperExited).toBe(0);
  }
}
