/**
 * The install planner of `npm test` (scripts/system-packages.ts): as root with apt-get it installs
 * only what is missing, without recommends and with the fonts the screenshots need; otherwise it
 * installs nothing and names the command to run. The executor is driven against a recording
 * apt-get on PATH, so the effect checked is which apt-get commands really ran.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureSystemPackages, type Machine, planSystemPackages, SYSTEM_PACKAGES, systemPackages } from "../../scripts/system-packages.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const missing =
  (...names: string[]) =>
  (pkg: { name: string }) =>
    !names.includes(pkg.name);
const root = (installed: Machine["installed"]): Machine => ({ root: true, aptGet: true, installed });

describe("system packages for the tests", () => {
  test("root, all present: nothing to do", () => {
    expect(
      planSystemPackages(
        SYSTEM_PACKAGES,
        root(() => true),
      ),
    ).toEqual({ action: "none" });
  });

  test("root, chromium missing: apt-get update, then chromium and its screenshot fonts without recommends", () => {
    const plan = planSystemPackages(SYSTEM_PACKAGES, root(missing("chromium", "fonts-liberation", "fonts-dejavu-core")));
    expect(plan).toEqual({
      action: "install",
      packages: ["chromium", "fonts-liberation", "fonts-dejavu-core"],
      commands: [
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-liberation", "fonts-dejavu-core"],
      ],
    });
  });

  test("root, only what is missing is installed", () => {
    const plan = planSystemPackages(SYSTEM_PACKAGES, root(missing("tmux")));
    expect(plan.action === "install" && plan.commands.at(-1)).toEqual(["apt-get", "install", "-y", "--no-install-recommends", "tmux"]);
  });

  test("not root, a package missing: nothing installed, the sudo command named", () => {
    const plan = planSystemPackages(SYSTEM_PACKAGES, { root: false, aptGet: true, installed: missing("redis-server", "ripgrep") });
    expect(plan).toEqual({
      action: "ask",
      packages: ["redis-server", "ripgrep"],
      reason: "this is not root",
      command: "sudo apt-get install -y --no-install-recommends redis-server ripgrep",
    });
  });

  test("not root, all present: nothing to do", () => {
    expect(planSystemPackages(SYSTEM_PACKAGES, { root: false, aptGet: true, installed: () => true })).toEqual({ action: "none" });
  });

  test("no apt-get: nothing installed, the packages named", () => {
    const plan = planSystemPackages(systemPackages(["tmux"]), { root: true, aptGet: false, installed: () => false });
    expect(plan).toMatchObject({ action: "ask", packages: ["tmux"], reason: "there is no apt-get here" });
  });

  test("an unknown package name is refused", () => {
    expect(() => systemPackages(["chromium-browser"])).toThrow("chromium-browser is not in SYSTEM_PACKAGES");
  });

  describe("the executor, against a recording apt-get", () => {
    const bin = tempDir("pb-apt-");
    const calls = join(bin, "calls");
    const target = join(bin, "installed-marker");
    // Records its arguments; "installs" by creating the marker the fake package provides.
    writeFileSync(join(bin, "apt-get"), `#!/bin/sh\necho "$*" >> "${calls}"\n[ "$1" = install ] && touch "${target}"\nexit 0\n`);
    chmodSync(join(bin, "apt-get"), 0o755);
    const fake = { name: "patchbay-test-package", provides: target, neededBy: "this test" };
    const withFakeAptGet = <T>(run: () => T): T => {
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        return run();
      } finally {
        process.env.PATH = path;
      }
    };

    test("not root: apt-get never runs, and the answer names the command", () => {
      const problem = withFakeAptGet(() => ensureSystemPackages([fake], { root: false, aptGet: true, installed: (pkg) => existsSync(pkg.provides) }));
      expect(problem).toBe(
        "patchbay-test-package missing and not installed because this is not root: sudo apt-get install -y --no-install-recommends patchbay-test-package",
      );
      expect(existsSync(calls)).toBe(false);
      expect(existsSync(target)).toBe(false);
    });

    test("root: apt-get update, then install without recommends; the package is there afterwards", () => {
      const problem = withFakeAptGet(() =>
        ensureSystemPackages(
          [fake],
          root((pkg) => existsSync(pkg.provides)),
        ),
      );
      expect(problem).toBeUndefined();
      expect(readFileSync(calls, "utf8")).toBe("update\ninstall -y --no-install-recommends patchbay-test-package\n");
      expect(existsSync(target)).toBe(true);
    });
  });
});
