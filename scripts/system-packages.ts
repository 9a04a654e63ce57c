/**
 * The Debian packages some tests drive, and the one place that installs them. patchbay itself
 * needs none of them. `npm test` calls `ensureSystemPackages()` first; the test helpers that need
 * one (tests/support/redis.ts, debian.ts, tests/widget/chromium.ts) call it for theirs, so a
 * single test file run with `bun test` behaves the same.
 *
 * The rule: as root with apt-get, a missing package is installed with `--no-install-recommends`
 * (chromium's recommends alone are over a hundred packages: avahi, cups helpers, udev…). Not root,
 * or no apt-get: nothing is installed; the reason and the exact command to run are printed, and
 * the tests that need the package skip, which `npm test` counts as failures.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface SystemPackage {
  /** The Debian package. */
  name: string;
  /** A command on PATH or an absolute file the package provides: present means installed. */
  provides: string;
  neededBy: string;
}

export const SYSTEM_PACKAGES: readonly SystemPackage[] = [
  { name: "redis-server", provides: "redis-server", neededBy: "the Redis messaging and state tests" },
  { name: "chromium", provides: "/usr/bin/chromium", neededBy: "the tool-card screenshots (tests/widget)" },
  // chromium only recommends these, but the tool-card baselines are drawn with them: without
  // Liberation Mono, code falls back to DejaVu Sans Mono and 7 of 27 screenshots differ.
  { name: "fonts-liberation", provides: "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", neededBy: "the tool-card screenshots" },
  { name: "fonts-dejavu-core", provides: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", neededBy: "the tool-card screenshots" },
  { name: "tmux", provides: "tmux", neededBy: "the terminal tests (tests/cli/interactive.test.ts)" },
  { name: "ripgrep", provides: "rg", neededBy: "the safe-mode search command tests" },
];

export type SystemPackagePlan =
  | { action: "none" }
  /** Root with apt-get: run these, in order. */
  | { action: "install"; packages: string[]; commands: string[][] }
  /** Nothing is installed here: why, and what the person should run. */
  | { action: "ask"; packages: string[]; reason: string; command: string };

export interface Machine {
  root: boolean;
  aptGet: boolean;
  installed(pkg: SystemPackage): boolean;
}

/**
 * What to do about `wanted` on `machine`.
 *
 * @example
 * planSystemPackages(SYSTEM_PACKAGES, { root: false, aptGet: true, installed: () => false });
 * // { action: "ask", packages: [...], reason: "this is not root", command: "sudo apt-get install -y --no-install-recommends redis-server …" }
 */
export function planSystemPackages(wanted: readonly SystemPackage[], machine: Machine): SystemPackagePlan {
  const packages = wanted.filter((pkg) => !machine.installed(pkg)).map((pkg) => pkg.name);
  if (packages.length === 0) return { action: "none" };
  const install = ["apt-get", "install", "-y", "--no-install-recommends", ...packages];
  if (!machine.aptGet)
    return { action: "ask", packages, reason: "there is no apt-get here", command: `install ${packages.join(", ")} with this system's package manager` };
  if (!machine.root) return { action: "ask", packages, reason: "this is not root", command: `sudo ${install.join(" ")}` };
  // A fresh machine has no package lists yet.
  return { action: "install", packages, commands: [["apt-get", "update"], install] };
}

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" }).status === 0;
}

function installed(pkg: SystemPackage): boolean {
  return pkg.provides.startsWith("/") ? existsSync(pkg.provides) : onPath(pkg.provides);
}

const thisMachine = (): Machine => ({ root: process.getuid?.() === 0, aptGet: onPath("apt-get"), installed });

/** The packages by name; an unknown name is a mistake in the caller. */
export function systemPackages(names: readonly string[]): SystemPackage[] {
  return names.map((name) => {
    const pkg = SYSTEM_PACKAGES.find((candidate) => candidate.name === name);
    if (!pkg) throw new Error(`${name} is not in SYSTEM_PACKAGES (scripts/system-packages.ts)`);
    return pkg;
  });
}

/**
 * Installs what is missing of `wanted` when it may; `undefined` when all are there afterwards,
 * else the reason with the command that would fix it (for a skip message).
 */
export function ensureSystemPackages(wanted: readonly SystemPackage[] = SYSTEM_PACKAGES, machine: Machine = thisMachine()): string | undefined {
  const plan = planSystemPackages(wanted, machine);
  if (plan.action === "none") return undefined;
  if (plan.action === "ask") return `${plan.packages.join(", ")} missing and not installed because ${plan.reason}: ${plan.command}`;
  process.stderr.write(`installing what the tests need: ${plan.commands.map((command) => command.join(" ")).join(" && ")}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const [command, ...args] of plan.commands) {
    const result = spawnSync(command!, args, { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", timeout: 600_000 });
    if (result.status !== 0)
      return `\`${[command, ...args].join(" ")}\` failed (${result.status ?? result.signal}): ${result.stderr.trim().split("\n").slice(-3).join(" | ")}`;
  }
  const still = wanted.filter((pkg) => !machine.installed(pkg)).map((pkg) => `${pkg.name} (${pkg.provides})`);
  return still.length > 0 ? `apt-get installed, but these are still missing: ${still.join(", ")}` : undefined;
}
