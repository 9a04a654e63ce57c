/**
 * Finding 4 of issue #11: a directory swapped for a symlink pointing out of the repository while
 * codex_write_file / codex_edit_file run must never lead a write, a mkdir, a rename or a chmod
 * outside the root. A real process (swap-loop.py, renameat2 RENAME_EXCHANGE in a tight loop)
 * flips `sub` between the real directory and a symlink to an outside directory while the tools
 * write inside `sub` as fast as they can, for a bounded time.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openDirByPath, openDirInside } from "../../src/workspace/pinned-dir.ts";
import { POWER_TOOLS } from "../../src/workspace/tools/power.ts";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";

const RACE_MS = 3_000;
const SWAPPER = join(import.meta.dir, "swap-loop.py");

const harnesses = harnessSet(POWER_TOOLS, { power: { directWrite: true }, mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

/** A repository whose `sub` can be exchanged with `sub-swap`, a symlink to `outside`; both hold look-alike files. */
function raceFixture(): { root: string; outside: string } {
  const root = makeGitRepo({ "sub/target.txt": "inside\n", "sub/edit.txt": "A\n", "sub/run.sh": "echo inside\n" }, { prefix: "patchbay-race-" });
  // An executable file makes the tools restore its mode after replacing it: that chmod must not escape either.
  chmodSync(join(root, "sub", "run.sh"), 0o755);
  const outside = tempDir("patchbay-race-outside-");
  writeFileSync(join(outside, "target.txt"), "outside original\n");
  writeFileSync(join(outside, "edit.txt"), "A\n");
  writeFileSync(join(outside, "run.sh"), "echo outside\n");
  chmodSync(join(outside, "run.sh"), 0o600);
  symlinkSync(outside, join(root, "sub-swap"));
  return { root, outside };
}

/** Every entry below `dir` with its type, mode and content: what an attacker would hope to change. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const info = lstatSync(join(dir, name));
    entries[name] = info.isFile()
      ? `file ${(info.mode & 0o7777).toString(8)} ${readFileSync(join(dir, name), "utf8")}`
      : `other ${(info.mode & 0o7777).toString(8)}`;
  }
  return entries;
}

/** Starts swap-loop.py on `sub` ⇄ `sub-swap`; resolves once it swaps. `stop` returns how many swaps it made. */
async function startSwapping(root: string): Promise<{ stop(): Promise<number> }> {
  const child = spawn("python3", [SWAPPER, join(root, "sub"), join(root, "sub-swap"), String((RACE_MS * 10) / 1000)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!stdout.startsWith("ready")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`swap-loop.py did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    async stop() {
      child.kill("SIGTERM");
      const code = await exited;
      if (code !== 0) throw new Error(`swap-loop.py failed (${code}): ${stderr}`);
      return Number(stdout.trim().split("\n").at(-1));
    },
  };
}

type Call = (name: string, args: Record<string, unknown>) => Promise<{ isError?: boolean; _meta?: Record<string, unknown> }>;

/** Writes, overwrites, edits and creates directories inside `sub` until RACE_MS pass; counts the calls that went through and the codes of those refused. */
async function hammer(call: Call, budgetMs = RACE_MS): Promise<{ calls: number; succeeded: number; refusals: Set<string> }> {
  const refusals = new Set<string>();
  let editState = "A";
  let calls = 0;
  let succeeded = 0;
  const until = Date.now() + budgetMs;
  while (Date.now() < until) {
    const i = calls;
    const attempts: Array<[string, Record<string, unknown>]> = [
      ["codex_write_file", { file_path: "sub/target.txt", content: `written ${i}\n`, overwrite: true }],
      ["codex_write_file", { file_path: `sub/new-${i}.txt`, content: `new ${i}\n` }],
      ["codex_write_file", { file_path: `sub/made-${i}/deeper/file.txt`, content: `made ${i}\n`, create_dirs: true }],
      ["codex_write_file", { file_path: "sub/run.sh", content: `echo written ${i}\n`, overwrite: true }],
      ["codex_edit_file", { file_path: "sub/edit.txt", old_text: editState, new_text: editState === "A" ? "B" : "A" }],
    ];
    const [name, args] = attempts[i % attempts.length]!;
    const result = await call(name, args);
    calls++;
    if (result.isError) {
      refusals.add((result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code ?? "no code");
      continue;
    }
    succeeded++;
    if (name === "codex_edit_file") editState = editState === "A" ? "B" : "A";
  }
  return { calls, succeeded, refusals };
}

/** No temp file of an interrupted write may be left behind in the repository. */
function leftoverTemps(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((name) => name.includes(".patchbay-") && name.endsWith(".tmp"));
}

describe("writes racing a directory swapped for a symlink out of the repository", () => {
  test("codex_write_file (overwrite, new file, create_dirs) and codex_edit_file never create or change anything outside the root", async () => {
    const { root, outside } = raceFixture();
    const before = snapshot(outside);
    const tools = await harnesses.open(root);
    const swapper = await startSwapping(root);
    const { calls, succeeded, refusals } = await hammer((name, args) => tools.call(name, args));
    const swaps = await swapper.stop();
    expect(snapshot(outside)).toEqual(before);
    expect(leftoverTemps(root)).toEqual([]);
    // A call that lost the race is refused as an escape, never failing some other way.
    expect([...refusals]).toEqual(["path_outside_roots"]);
    // The race really ran: the directory flipped many times and writes went through between flips.
    expect(swaps).toBeGreaterThan(1000);
    expect(calls).toBeGreaterThan(50);
    expect(succeeded).toBeGreaterThan(0);
    // Files that were written landed in the real directory (under whichever name it had).
    expect(lstatSync(join(root, "sub")).isDirectory()).toBe(true);
  }, 30_000);

  test("through the real binary (stdio, SDK client): nothing outside the root is created or changed", async () => {
    const { root, outside } = raceFixture();
    const before = snapshot(outside);
    const client = await connectStdio("v1", {
      home: tempDir("patchbay-race-home-"),
      args: ["--standalone", "--root", root, "--direct-write", "--tool-mode", "full"],
    });
    try {
      const swapper = await startSwapping(root);
      const { calls, succeeded, refusals } = await hammer((name, args) => client.callTool(name, args));
      const swaps = await swapper.stop();
      expect(snapshot(outside)).toEqual(before);
      expect(leftoverTemps(root)).toEqual([]);
      expect([...refusals]).toEqual(["path_outside_roots"]);
      expect(swaps).toBeGreaterThan(1000);
      expect(calls).toBeGreaterThan(20);
      expect(succeeded).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  }, 30_000);
});

test("a held directory moved out of the repository before the rename fails verification", async () => {
  const { root, outside } = raceFixture();
  const dir = await openDirInside(root, ["sub"], { create: false });
  try {
    await dir.verify();
    renameSync(join(root, "sub"), join(outside, "carried-out"));
    await expect(dir.verify()).rejects.toMatchObject({ code: "path_outside_roots" });
  } finally {
    await dir.close();
  }
});

describe("where /proc is not mounted: the by-path fallback", () => {
  test("a symlink at any level is refused, and create makes nothing outside", async () => {
    const { root, outside } = raceFixture();
    const before = snapshot(outside);
    symlinkSync(outside, join(root, "sub", "link"));
    await expect(openDirByPath(root, ["sub", "link", "made"], { create: true })).rejects.toMatchObject({ code: "path_outside_roots" });
    await expect(openDirByPath(root, ["sub-swap"], { create: false })).rejects.toMatchObject({ code: "path_outside_roots" });
    expect(snapshot(outside)).toEqual(before);
  });

  test("a directory swapped for a symlink after it was opened fails verification, so the write is refused", async () => {
    const { root } = raceFixture();
    const dir = await openDirByPath(root, ["sub"], { create: false });
    try {
      await dir.verify();
      renameSync(join(root, "sub"), join(root, "sub-moved"));
      renameSync(join(root, "sub-swap"), join(root, "sub"));
      await expect(dir.verify()).rejects.toMatchObject({ code: "path_outside_roots" });
    } finally {
      await dir.close();
    }
  });

  test("missing levels are created inside the root", async () => {
    const { root } = raceFixture();
    const dir = await openDirByPath(root, ["sub", "a", "b"], { create: true });
    try {
      writeFileSync(dir.at("file.txt"), "inside\n");
      await dir.verify();
    } finally {
      await dir.close();
    }
    expect(readFileSync(join(root, "sub", "a", "b", "file.txt"), "utf8")).toBe("inside\n");
    expect(existsSync(join(root, "sub-swap", "a"))).toBe(false);
  });
});
