/** runAgentTurn, the one way a job or a pipeline phase runs an agent turn, with small /bin/sh agents. */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { customAgent } from "../../src/agents/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { runAgentTurn, type TurnRequest } from "../../src/jobs/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const shellAgent = (script: string) => customAgent("sh", { command: "/bin/sh", args: ["-c", script], prompt_mode: "stdin", output_contract: "text", env: {} });

async function request(script: string, overrides: Partial<TurnRequest> = {}): Promise<TurnRequest> {
  return {
    adapter: shellAgent(script),
    executable: "/bin/sh",
    turn: { prompt: "hello", access: "write" },
    cwd: makeGitRepo({ "a.txt": "a\n" }),
    scratchDir: join(tempDir("pb-turn-"), "scratch"),
    config: await loadConfig({ home: tempDir("pb-turn-home-") }),
    redact: (text) => text.replaceAll("s3cret", "[REDACTED]"),
    checkReadOnly: true,
    ...overrides,
  };
}

test("a turn runs in cwd with its scratch directory as TMPDIR and the variables set for it, hands its output to the caller, and removes the scratch directory", async () => {
  const output = { stdout: "", stderr: "" };
  const base = await request('echo "tmp=$TMPDIR temp=$TEMP phase=$PHASE_VAR cwd=$(pwd)"; echo warn >&2', {
    set: { TEMP: "/scratch-temp", PHASE_VAR: "set-by-caller" },
    onOutput: (stream, chunk) => void (output[stream] += chunk),
  });
  const outcome = await runAgentTurn(base);
  expect(outcome.endedBy).toBe("exit");
  expect(outcome.result.status).toBe("succeeded");
  expect(output).toEqual({ stdout: `tmp=${base.scratchDir} temp=/scratch-temp phase=set-by-caller cwd=${base.cwd}\n`, stderr: "warn\n" });
  expect(existsSync(base.scratchDir)).toBe(false);
});

test("a failed turn's error is redacted, and the wall-clock limit given ends the turn", async () => {
  const failed = await runAgentTurn(await request("echo 'the s3cret broke' >&2; exit 3"));
  expect(failed.exit.code).toBe(3);
  expect(failed.error).toContain("[REDACTED]");
  expect(failed.error).not.toContain("s3cret");
  const slow = await runAgentTurn(await request("sleep 20", { timeoutMs: 300 }));
  expect(slow.endedBy).toBe("timeout");
});

test("a read-only turn of an agent without a read-only sandbox that changes the tree is flagged, unless the caller compares the tree itself", async () => {
  const scribble = "echo changed > changed.txt; echo wrote";
  const readOnly = { prompt: "look", access: "read_only" as const };
  expect((await runAgentTurn(await request(scribble, { turn: readOnly }))).readOnlyViolated).toBe(true);
  expect((await runAgentTurn(await request(scribble, { turn: readOnly, checkReadOnly: false }))).readOnlyViolated).toBe(false);
  expect((await runAgentTurn(await request(scribble))).readOnlyViolated).toBe(false);
  expect((await runAgentTurn(await request("echo looked", { turn: readOnly }))).readOnlyViolated).toBe(false);
});
