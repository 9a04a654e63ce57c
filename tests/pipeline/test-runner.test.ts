/**
 * The test phase's command lines: read by the one splitter patchbay has (workspace's
 * readCommandLine, which handoff templates use too), refused when they need a shell, and run as a
 * process group under the one supervisor, so a timeout or a cancel stops what they started.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTestCommand, splitCommandLine } from "../../src/pipeline/test-runner.ts";
import { readCommandLine, splitWords } from "../../src/workspace/index.ts";

const dir = mkdtempSync(join(tmpdir(), "pb-test-runner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe("one command-line splitter", () => {
  test("quotes group, a backslash takes the next character literally, single quotes keep backslashes", () => {
    expect(splitCommandLine(`npm run "test:unit" -- --bail`)).toEqual(["npm", "run", "test:unit", "--", "--bail"]);
    expect(splitCommandLine(String.raw`run a\ b "c\"d" 'e\f'`)).toEqual(["run", "a b", 'c"d', String.raw`e\f`]);
    expect(splitWords(String.raw`agent --task "my plan.md" a\ b`)).toEqual(["agent", "--task", "my plan.md", "a b"]);
  });

  test("shell syntax outside quotes is reported, and refused for test commands only", () => {
    expect(readCommandLine(`npm test | tee "a|b"`)).toEqual({ words: ["npm", "test", "|", "tee", "a|b"], shellOperator: "|" });
    expect(() => splitCommandLine("npm test | tee log")).toThrow('"|" needs a shell');
    expect(splitCommandLine(`echo "a|b" \\;`)).toEqual(["echo", "a|b", ";"]);
    expect(splitWords("agent --x a|b")).toEqual(["agent", "--x", "a|b"]);
  });

  test("an unclosed quote and an empty test command are refused, each with its caller's code", () => {
    expect(codeOf(() => splitCommandLine(`npm "test`))).toBe("invalid_test_command");
    expect(codeOf(() => splitCommandLine("   "))).toBe("invalid_test_command");
    expect(codeOf(() => splitWords(`agent 'plan`))).toBe("invalid_arguments");
    expect(splitWords("")).toEqual([]);
  });
});

describe("runTestCommand under the supervisor", () => {
  test("a command that outlives its timeout is stopped with its group and reported as timed out", async () => {
    const result = await runTestCommand("sh -c 'sleep 30 & sleep 30'", dir, 300, env);
    expect(result).toMatchObject({ exit_code: null, timed_out: true });
    expect(result.duration_ms).toBeLessThan(10_000);
  });

  test("a cancelled signal stops it without counting as a timeout; a finished one keeps its exit code", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    expect(await runTestCommand("sleep 30", dir, 60_000, env, controller.signal)).toMatchObject({ timed_out: false });
    expect(await runTestCommand("sh -c 'echo hi; exit 3'", dir, 60_000, env)).toMatchObject({ exit_code: 3, timed_out: false, output: "hi\n" });
  });
});
