/**
 * Headless Chromium for the tool-card tests: Debian's `chromium` package, installed with apt-get
 * only when /usr/bin/chromium is missing and we are root; otherwise the tests skip with the reason.
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** `undefined` when Chromium is there (installing it if it may), else why it is not. */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.platform !== "linux" || process.getuid?.() !== 0)
    return `${CHROMIUM} is missing and this is not root on Linux: install Debian's chromium package`;
  if (!existsSync("/usr/bin/apt-get")) return `${CHROMIUM} is missing and there is no apt-get to install it`;
  const started = Date.now();
  console.warn(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium (once)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "chromium"]]) {
    const result = spawnSync("apt-get", args, { env, stdio: ["ignore", "ignore", "pipe"], timeout: 600_000 });
    if (result.status !== 0)
      return `apt-get ${args.join(" ")} failed (${result.status ?? result.signal}): ${String(result.stderr).trim().split("\n").slice(-3).join(" | ")}`;
  }
  if (!existsSync(CHROMIUM)) return `apt-get installed chromium but ${CHROMIUM} is still missing`;
  console.warn(`chromium installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return undefined;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
