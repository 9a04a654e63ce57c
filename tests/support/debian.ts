/**
 * A command-line tool some tests need (tmux, rg): found on PATH, else installed by the one
 * installer of system packages (scripts/system-packages.ts: as root only), else a reason to skip
 * that the test prints. The product never needs these; only its tests do.
 */
import { spawnSync } from "node:child_process";
import { ensureSystemPackages, systemPackages } from "../../scripts/system-packages.ts";

export type DebianTool = { path: string } | { skip: string };

function which(command: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * @example
 * const rg = debianTool("rg", "ripgrep");
 * test.skipIf("skip" in rg)("searches with rg", () => {});
 */
export function debianTool(command: string, debianPackage: string): DebianTool {
  const problem = ensureSystemPackages(systemPackages([debianPackage]));
  const found = which(command);
  return found ? { path: found } : { skip: problem ?? `${command} is missing although ${debianPackage} is installed` };
}
