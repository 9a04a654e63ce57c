/**
 * Issue #16, differential: random runs of what editors, agents and git do to a watched repository
 * (files written in new and old directories, directories moved in and out of place and removed,
 * modes flipped, `git add`, `git commit`, `git checkout`), each made by another process, each
 * followed at once by codex_git_status, which must say what a fresh `git status` says. Fixed seeds,
 * so a failure names the step and its script and can be replayed.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import type { GitStatus } from "../../src/workspace/git-views.ts";
import { GIT_TOOLS } from "../../src/workspace/tools/git.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const { open: harnessFor, closeAll } = harnessSet(GIT_TOOLS, { mode: "standard" });

afterAll(async () => {
  await closeAll();
  removeTempDirs();
});

const gitShort = (cwd: string) =>
  execFileSync("git", ["status", "--porcelain"], { cwd, encoding: "utf8", env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } })
    .split("\n")
    .filter(Boolean)
    .sort();

/** A linear congruential generator: the same seed, the same run. */
function generator(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

const DIRS = ["d1", "d1/d2", "n1", "n1/n2", "m", "m/k0", "m/k1"];

function steps(pick: (n: number) => number): Array<() => string> {
  const dir = () => DIRS[pick(DIRS.length)];
  return [
    () => `mkdir -p ${dir()} && printf ${pick(9)} > ${dir()}/f${pick(4)}.txt 2>/dev/null; true`,
    () => `printf ${pick(9)} > a.txt`,
    () => `mv ${dir()} x${pick(3)} 2>/dev/null; true`,
    () => `mv x${pick(3)} ${DIRS[pick(3) + 2]} 2>/dev/null; true`,
    // A watched directory moved, then a directory made in it, then (later) a file there changed alone.
    () => `[ -e m ] || mv ${["d1", "n1"][pick(2)]} m 2>/dev/null; true`,
    () => `mkdir -p m/k${pick(2)} 2>/dev/null; true`,
    () => `printf ${pick(9)} > m/k${pick(2)}/f.txt 2>/dev/null; true`,
    () => `rm -rf ${dir()}`,
    () => "mkdir -p n1/n2/n3 && printf q > n1/n2/n3/deep.txt",
    () => "chmod +x a.txt; chmod -x a.txt; chmod +x d1/b.txt 2>/dev/null; true",
    () => "git add -A >/dev/null 2>&1; true",
    () => `git commit -qm c${pick(100)} >/dev/null 2>&1; true`,
    () => "git checkout -q -- . 2>/dev/null; true",
  ];
}

for (const seed of [12345, 2]) {
  test(`seed ${seed}: 120 random changes by another process, each followed at once by codex_git_status, which says what git says`, async () => {
    const root = makeGitRepo({ "a.txt": "a\n", "d1/b.txt": "b\n", "d1/d2/c.txt": "c\n" });
    const pick = generator(seed);
    const step = steps(pick);
    const harness = await harnessFor(root);
    for (let at = 0; at < 120; at++) {
      const script = Array.from({ length: 1 + pick(3) }, () => step[pick(step.length)]!()).join("; ");
      execFileSync("sh", ["-c", script], { cwd: root, stdio: "pipe" });
      const said = [...(await harness.ok<GitStatus>("codex_git_status")).short].sort();
      expect({ at, script, said }).toEqual({ at, script, said: gitShort(root) });
    }
  }, 120_000);
}
