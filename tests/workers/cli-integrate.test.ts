/** `patchbay worker integrate --all-ready --run-tests --commit` and a failing test, through the compiled binary and its background server. */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";
import { mockPrompt } from "./support.ts";

const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((home) => runPatchbay(["stop"], { home }).catch(() => {})));
  removeTempDirs();
});

test("worker integrate --all-ready --run-tests lands every ready worker tested and committed; a failing test exits 1 with its output, the checkout untouched", async () => {
  const home = tempDir("patchbay-cli-integrate-");
  homes.push(home);
  // No power setting: the person at the terminal is the operator, and the pipeline file is trusted below.
  const repo = makeGitRepo({
    "value.txt": "good\n",
    "check.sh": 'grep -qx good value.txt || { echo "value.txt is not good: $(cat value.txt)"; exit 3; }\necho checked\n',
    ".ai/patchbay.toml": '[phases.test]\ncommands = ["sh check.sh"]\n',
  });
  const patchbay = (...args: string[]) => runPatchbay([...args, "--repo", repo], { home, timeoutMs: 120_000 });
  const write = (path: string, content: string) => mockPrompt({ write: { path, content }, message: `wrote ${path}` });

  expect((await patchbay("config", "trust")).code).toBe(0);
  expect((await patchbay("worker", "start", "a", write("x.txt", "x\n"), "--agent", "mock", "--wait")).code).toBe(0);
  expect((await patchbay("worker", "start", "b", write("y.txt", "y\n"), "--agent", "mock", "--wait")).code).toBe(0);

  const landed = await patchbay("worker", "integrate", "--all-ready", "--run-tests", "--commit", "Land the team");
  expect(landed.stderr).toBe("");
  expect(landed.code).toBe(0);
  expect(landed.stdout).toMatch(/^applied:\n- a: x\.txt \(committed [0-9a-f]{12}\)\n {2}tests passed: sh check\.sh \(\d+ ms\); log \S+\n- b: y\.txt/);
  expect(git(repo, "log", "--format=%s", "-2")).toBe("Land the team (b)\nLand the team (a)");
  expect(git(repo, "status", "--porcelain")).toBe("");

  expect((await patchbay("worker", "start", "bad", write("value.txt", "bad\n"), "--agent", "mock", "--wait")).code).toBe(0);
  const refused = await patchbay("worker", "integrate", "bad", "--run-tests");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("`sh check.sh` exited 3");
  expect(refused.stderr).toContain("value.txt is not good: bad");
  expect(refused.stderr).not.toMatch(/\bcodex_|run_tests/);
  expect(readFileSync(join(repo, "value.txt"), "utf8")).toBe("good\n");
  expect(git(repo, "status", "--porcelain")).toBe("");

  const none = await patchbay("worker", "integrate");
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("--all-ready");
});
