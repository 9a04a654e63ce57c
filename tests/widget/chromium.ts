/**
 * Headless Chromium for the tool-card tests: Debian's `chromium` package and the fonts the
 * baselines use, installed by scripts/system-packages.ts when missing and we are root; otherwise
 * the tests skip with the reason.
 */
import { chromium, type Browser } from "playwright-core";
import { ensureSystemPackages, systemPackages } from "../../scripts/system-packages.ts";

const BASELINE_PACKAGES = systemPackages(["chromium", "fonts-liberation", "fonts-dejavu-core"]);
export const CHROMIUM = BASELINE_PACKAGES[0]!.provides;
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * `undefined` when Chromium and the fonts the baselines are drawn with are there (installing them
 * if it may: scripts/system-packages.ts), else why not, with the command that fixes it.
 */
export function ensureChromium(): string | undefined {
  if (process.platform !== "linux") return `the tool-card baselines are drawn by Debian's chromium on Linux, and this is ${process.platform}`;
  return ensureSystemPackages(BASELINE_PACKAGES);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
