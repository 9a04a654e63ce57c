/**
 * The Node check of `npm test`. patchbay runs on the Bun that npm installs, but npm, the install
 * scripts and the pinned agent CLIs the end-to-end tests drive run on the Node on PATH, and the
 * newest of them (Claude Code; content-type under the MCP conformance suite) declare Node >= 22.
 * package.json `engines.node` is the one place that number lives.
 */
import { spawnSync } from "node:child_process";

/** `>=22` or `>=22.1.0` as [major, minor, patch]; any other range shape is a mistake in package.json. */
function minimumOf(range: string): number[] {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`package.json engines.node must read ">=MAJOR[.MINOR[.PATCH]]", not "${range}"`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/**
 * Why `version` (`v20.20.2`, as `node --version` prints it) does not meet `range`, or undefined.
 *
 * @example
 * nodeVersionProblem(">=22", "v20.20.2"); // 'Node v20.20.2 does not meet engines.node ">=22" in package.json …'
 */
export function nodeVersionProblem(range: string, version: string | undefined): string | undefined {
  if (version === undefined) return `no node on PATH: npm and the agent CLIs the end-to-end tests drive need Node ${range}`;
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = minimumOf(range);
  for (let index = 0; index < need.length; index++) {
    const part = have[index] ?? 0;
    if (part > need[index]!) return undefined;
    if (part < need[index]!)
      return (
        `Node ${version} does not meet engines.node "${range}" in package.json ` +
        "(npm, install scripts and the agent CLIs the tests drive run on it): install a newer Node; the agent CLI tests may fail on this one"
      );
  }
  return undefined;
}

/** `node --version` of the Node on PATH (not the Node version Bun reports for itself). */
export function nodeOnPath(): string | undefined {
  const result = spawnSync("node", ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}
