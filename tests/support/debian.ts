/**
 * A command-line tool some tests need (tmux, rg): found on PATH, else installed once from
 * Debian's packages when running as root (as CI does on a fresh machine), else a reason to skip
 * that the test prints. The product never needs these; only its tests do.
 */
import { spawnSync } from "node:child_process";

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
  const found = which(command);
  if (found) return { path: found };
  if (process.getuid?.() !== 0)
    return { skip: `${command} is not installed and this is not root, so it is not installed here (apt-get install -y ${debianPackage})` };
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let install = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", debianPackage], { stdio: "pipe", encoding: "utf8", timeout: 300_000, env });
  if (install.status !== 0) {
    // A fresh machine has no package lists yet.
    spawnSync("apt-get", ["update"], { stdio: "pipe", timeout: 300_000, env });
    install = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", debianPackage], { stdio: "pipe", encoding: "utf8", timeout: 300_000, env });
  }
  const installed = which(command);
  if (installed) return { path: installed };
  return {
    skip: `${command} is missing and \`apt-get install -y ${debianPackage}\` failed (exit ${install.status}): ${(install.stderr ?? "").trim().split("\n").at(-1) ?? ""}`,
  };
}
