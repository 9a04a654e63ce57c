/** The Node check of `npm test` reads package.json's engines.node, the one place the minimum lives. */
import { describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { nodeVersionProblem } from "../../scripts/node-version.ts";

describe("npm test's Node check", () => {
  test("package.json asks for Node 22, the newest minimum its dependencies declare", () => {
    expect(pkg.engines.node).toBe(">=22");
  });

  test("Node 20 is named as too old, with the range and what to do", () => {
    expect(nodeVersionProblem(">=22", "v20.20.2")).toBe(
      'Node v20.20.2 does not meet engines.node ">=22" in package.json ' +
        "(npm, install scripts and the agent CLIs the tests drive run on it): install a newer Node; the agent CLI tests may fail on this one",
    );
  });

  test("Node 22 and newer pass; a minor or patch minimum is compared too", () => {
    expect(nodeVersionProblem(">=22", "v22.0.0")).toBeUndefined();
    expect(nodeVersionProblem(">=22", "v24.1.0")).toBeUndefined();
    expect(nodeVersionProblem(">=20.19", "v20.18.3")).toContain("does not meet");
    expect(nodeVersionProblem(">=20.19", "v20.19.0")).toBeUndefined();
  });

  test("no node on PATH is named", () => {
    expect(nodeVersionProblem(">=22", undefined)).toBe("no node on PATH: npm and the agent CLIs the end-to-end tests drive need Node >=22");
  });
});
