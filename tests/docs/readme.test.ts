/**
 * The README's set-up: exactly two commands, each in a block of its own (so neither is pasted
 * behind the other), the first said to run in the foreground with how to stop it; what `npm test`
 * may install and the Node it needs, as scripts/system-packages.ts and package.json say.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { SYSTEM_PACKAGES } from "../../scripts/system-packages.ts";
import { repoRoot } from "../support/patchbay.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const setUp = readme.slice(0, readme.indexOf("\n## "));
// The set-up proper ends where the per-host sections begin.
const setUpCommands = setUp.slice(0, setUp.indexOf("\n### "));
const blocks = [...setUpCommands.matchAll(/^```sh\n([\s\S]*?)\n```$/gm)].map((match) => match[1]!);

describe("README set-up", () => {
  test("exactly two set-up commands, one block each: install and run, then the whole suite; the PATH step is prose", () => {
    expect(blocks).toEqual(["npm ci && npm start -- --root .", "npm test"]);
    expect(setUpCommands).toContain('`export PATH="$PWD/bin:$PATH"`');
  });

  test("the first command is said to run in the foreground, with both ways to stop it", () => {
    const before = setUp.slice(0, setUp.indexOf("```sh"));
    expect(before).toContain("in the foreground");
    expect(before).toContain("Ctrl-C");
    expect(before).toContain("patchbay stop");
  });

  test("every system package npm test may install is named, with --no-install-recommends", () => {
    for (const { name } of SYSTEM_PACKAGES) expect(setUp).toContain(`\`${name}\``);
    expect(setUp).toContain("apt-get install -y --no-install-recommends");
  });

  test("the Node it names is package.json's engines.node", () => {
    expect(pkg.engines.node).toBe(">=22");
    expect(setUp).toContain("Node 22 or newer");
    expect(setUp).not.toMatch(/Node 20\b/);
  });
});
