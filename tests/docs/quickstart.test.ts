/**
 * docs/quickstart.md cannot rot: its ```sh blocks are run in order, as written, by one shell
 * (`set -e`, so every command must exit 0) with the real binary as `patchbay` on PATH, in a
 * throwaway HOME. Then the effects the doc claims are checked on disk and in what the user read.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { git } from "../support/git-repo.ts";
import { patchbayBinary, removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";
import { runProcess } from "../support/process.ts";

const DOC = join(repoRoot, "docs", "quickstart.md");

/** The doc's ```sh blocks (and ````sh ones, which may hold a ``` fence of a prompt), in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^(`{3,})sh\n([\s\S]*?)\n\1$/gm)].map((match) => match[2]!);
}

const home = tempDir("pb-quickstart-home-");
const bin = tempDir("pb-quickstart-bin-");
symlinkSync(patchbayBinary(), join(bin, "patchbay"));
const patchbayHome = join(home, "patchbay-quickstart", "home");
const demo = join(home, "patchbay-quickstart", "demo");

/** The user's environment: their PATH with `patchbay` on it, a HOME of their own, nothing of patchbay's. */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("PATCHBAY_")) env[key] = value;
  mkdirSync(join(home, "tmp"), { recursive: true });
  return { ...env, HOME: home, PATH: `${bin}:${env.PATH ?? "/usr/bin:/bin"}`, NO_COLOR: "1", TMPDIR: join(home, "tmp") };
}

afterAll(async () => {
  // The doc ends with `patchbay stop`; if it failed half-way, the background server must not outlive the test.
  if (existsSync(patchbayHome)) await runProcess(join(bin, "patchbay"), ["stop"], { cwd: home, env: { ...userEnv(), PATCHBAY_HOME: patchbayHome } });
  removeTempDirs();
});

describe("docs/quickstart.md", () => {
  test("its sh blocks run in order, each command exits 0, and they do what the doc says", async () => {
    const blocks = shellBlocks(readFileSync(DOC, "utf8"));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const script = `set -e\n${blocks.join("\n")}\n`;
    const result = await runProcess("sh", ["-x", "-c", script], { cwd: home, env: userEnv(), timeoutMs: 240_000 });
    expect(result.code, `the quickstart stopped at the last command traced below:\n${result.stderr.slice(-3000)}`).toBe(0);

    // A job: the isolated job's whole change was shown, then its worktree and branch removed; the checkout never had it.
    expect(result.stdout).toContain("mock: Say hello");
    expect(result.stdout).toMatch(/\+\+\+ b\/hello\.txt\n@@ -0,0 \+1(,1)? @@\n\+hello\n/);
    expect(readdirSync(join(patchbayHome, "worktrees", "jobs"))).toEqual([]);
    expect(git(demo, "branch", "--list", "patchbay/job-*")).toBe("");
    expect(existsSync(join(demo, "hello.txt"))).toBe(false);

    // Workers: the writer's file was integrated and committed; its worktree and branch are gone.
    expect(readFileSync(join(demo, "docs", "intro.md"), "utf8")).toBe("# Introduction\n");
    expect(git(demo, "log", "-1", "--format=%s", "--", "docs/intro.md")).toBe("The writer's introduction");
    expect(git(demo, "worktree", "list")).not.toContain("worker-writer");

    // The pipeline: applied to the checkout, uncommitted, and the run says so.
    expect(readFileSync(join(demo, "PATCHBAY_MOCK.md"), "utf8")).toBe("Note the quickstart in PATCHBAY_MOCK.md\n");
    expect(git(demo, "status", "--porcelain", "--", "PATCHBAY_MOCK.md")).toBe("?? PATCHBAY_MOCK.md");
    expect(JSON.parse(readFileSync(join(demo, ".ai", "runs", "run_quickstart_000001", "run.json"), "utf8")).state).toBe("applied");

    // Messages: bob received alice's, alice received bob's answer.
    expect(result.stdout).toContain("The introduction is in docs/intro.md");
    expect(result.stdout).toContain("Read it, thanks");

    // Where to look: the audit log has the CLI's tool calls; the server was stopped at the end.
    const audit = readFileSync(join(patchbayHome, "logs", "audit.log"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(audit.map((entry) => entry.tool)).toContain("patchbay_apply");
    expect(existsSync(join(patchbayHome, "run", "server.json"))).toBe(false);
  }, 300_000);
});
