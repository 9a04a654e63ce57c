/** The per-repository mutation lock: refuses at once, names the holder, survives dead holders. */
import { afterAll, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { PatchbayError } from "../../src/errors/index.ts";
import { repoLockFile, withRepoLock } from "../../src/workspace/repo-lock.ts";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");

afterAll(removeTempDirs);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return (error as PatchbayError).code;
  }
}

function plantLock(home: string, repo: string, pid: number): string {
  const file = repoLockFile(home, repo);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({
      client_ref: "client_gone",
      tool: "codex_write_file",
      repo,
      pid,
      hostname: hostname(),
      since: "2026-01-01T00:00:00.000Z",
      token: "planted",
    }),
  );
  return file;
}

test("two concurrent mutations of one repository: exactly one gets repo_busy, at once", async () => {
  const home = tempDir();
  const repo = tempDir();
  let release!: () => void;
  const holding = new Promise<void>((done) => (release = done));
  const hold = (client_ref: string) => codeOf(withRepoLock(home, repo, { client_ref, tool: "codex_write_file" }, () => holding));
  const calls = [hold("client_a"), hold("client_b")];
  // At once: the refusal arrives while the holder still holds the lock (a waiting lock would never answer here).
  expect(await Promise.race(calls)).toBe("repo_busy");
  release();
  expect((await Promise.all(calls)).sort()).toEqual(["ok", "repo_busy"]);
  expect(existsSync(repoLockFile(home, repo))).toBe(false);
});

/** Takes `repo`'s lock and holds it until `release`; resolves once the holder is inside. */
async function holdLock(home: string, repo: string, holder: { client_ref: string; tool: string }): Promise<{ release: () => void; held: Promise<void> }> {
  let release!: () => void;
  let entered!: () => void;
  const inside = new Promise<void>((done) => (entered = done));
  const held = withRepoLock(home, repo, holder, () => {
    entered();
    return new Promise<void>((done) => (release = done));
  });
  await inside;
  return { release, held };
}

test("repo_busy names the holder's client_ref, tool, pid and start time", async () => {
  const home = tempDir();
  const repo = tempDir();
  const { release, held } = await holdLock(home, repo, { client_ref: "client_a", tool: "codex_edit_file" });
  const error = await withRepoLock(home, repo, { client_ref: "client_b", tool: "codex_write_file" }, async () => "ran").catch((e: PatchbayError) => e);
  release();
  await held;
  expect(error).toBeInstanceOf(PatchbayError);
  const busy = error as PatchbayError;
  expect(busy.code).toBe("repo_busy");
  expect(busy.message).toContain(`client_a is running codex_edit_file (pid ${process.pid}) since `);
  expect(busy.details).toMatchObject({ repo, client_ref: "client_a", tool: "codex_edit_file", pid: process.pid });
});

test("different repositories do not block each other", async () => {
  const home = tempDir();
  const [one, two] = [tempDir(), tempDir()];
  const { release, held } = await holdLock(home, one, { client_ref: "client_a", tool: "codex_write_file" });
  // While the first repository's lock is held, the second's is taken and its mutation runs.
  expect(await codeOf(withRepoLock(home, two, { client_ref: "client_b", tool: "codex_write_file" }, async () => undefined))).toBe("ok");
  expect(existsSync(repoLockFile(home, one))).toBe(true);
  release();
  await held;
});

test("a mutation in another process holds the lock across processes until it ends", async () => {
  const home = tempDir();
  const repo = tempDir();
  const script = `const { withRepoLock } = await import(${JSON.stringify(new URL("../../src/workspace/repo-lock.ts", import.meta.url).pathname)});
    await withRepoLock(process.argv[1], process.argv[2], { client_ref: "client_other", tool: "codex_run_command" }, async () => {
      console.log("held");
      await new Promise((done) => process.stdin.once("data", done));
    });`;
  const child = spawn(BUN, ["-e", script, home, repo], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((done) => child.stdout.once("data", () => done()));
  const error = await withRepoLock(home, repo, { client_ref: "c", tool: "t" }, async () => "ran").catch((e: PatchbayError) => e);
  expect((error as PatchbayError).code).toBe("repo_busy");
  expect((error as PatchbayError).details).toMatchObject({ client_ref: "client_other", tool: "codex_run_command", pid: child.pid });
  child.stdin.end("done\n");
  await new Promise((done) => child.once("exit", done));
  expect(await withRepoLock(home, repo, { client_ref: "c", tool: "t" }, async () => "ran")).toBe("ran");
});

test("a lock held by another live process is refused with its pid", async () => {
  const home = tempDir();
  const repo = tempDir();
  const holder = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    plantLock(home, repo, holder.pid!);
    const error = await withRepoLock(home, repo, { client_ref: "c", tool: "t" }, async () => "ran").catch((e: PatchbayError) => e);
    expect((error as PatchbayError).code).toBe("repo_busy");
    expect((error as PatchbayError).message).toBe(
      `${repo} is busy: client_gone is running codex_write_file (pid ${holder.pid}) since 2026-01-01T00:00:00.000Z`,
    );
  } finally {
    holder.kill("SIGKILL");
  }
});

test("a lock left by a dead process is taken over, and released afterwards", async () => {
  const home = tempDir();
  const repo = tempDir();
  const dead = spawnSync("true").pid;
  const file = plantLock(home, repo, dead);
  const inside = await withRepoLock(home, repo, { client_ref: "client_new", tool: "codex_edit_file" }, async () => JSON.parse(readFileSync(file, "utf8")));
  expect(inside).toMatchObject({ client_ref: "client_new", tool: "codex_edit_file", pid: process.pid });
  expect(existsSync(file)).toBe(false);
});

test("a lock with our own pid that this process does not hold (left by an earlier process) is taken over", async () => {
  const home = tempDir();
  const repo = tempDir();
  plantLock(home, repo, process.pid);
  expect(await withRepoLock(home, repo, { client_ref: "c", tool: "t" }, async () => "ran")).toBe("ran");
});

test("the lock is released when the mutation throws", async () => {
  const home = tempDir();
  const repo = tempDir();
  const failing = withRepoLock(home, repo, { client_ref: "c", tool: "t" }, async () => {
    throw new Error("boom");
  });
  await expect(failing).rejects.toThrow("boom");
  expect(await withRepoLock(home, repo, { client_ref: "c", tool: "t" }, async () => "again")).toBe("again");
});
