import { afterAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { until } from "../support/until.ts";
import { hostname, uptime } from "node:os";
import { join } from "node:path";
import { TEMP_DIRNAME } from "../../src/state/layout.ts";
import { isProcessAlive, withLock } from "../../src/state/index.ts";
import { BUN, deadPid, rejection, removeTempHomes, sleep, spawnFixture, tempHome, waitForExit, waitForLine } from "./support.ts";

afterAll(removeTempHomes);

async function plantLock(base: string, name: string, pid: number): Promise<string> {
  const file = join(base, ".locks", `${name}.lock`);
  await mkdir(join(base, ".locks"), { recursive: true });
  await writeFile(file, JSON.stringify({ pid, hostname: hostname(), at: Date.now(), token: "planted" }));
  return file;
}

test("a lock file left by a dead pid is taken over", async () => {
  const base = await tempHome();
  const pid = await deadPid();
  const file = await plantLock(base, "repo-main", pid);
  // The planted file is fresh and stays so for a minute (staleMs), longer than the wait (timeoutMs):
  // only the dead pid can hand the lock over.
  const options = { base, timeoutMs: 10_000, staleMs: 60_000 };
  expect(await withLock("repo-main", async () => JSON.parse(readFileSync(file, "utf8")).pid, options)).toBe(process.pid);
  expect(existsSync(file)).toBe(false);
});

test("an empty lock file written before this boot (what a crash of the machine can leave: lock files are not fsynced) is taken over at once", async () => {
  const base = await tempHome();
  const file = join(base, ".locks", "state.lock");
  await mkdir(join(base, ".locks"), { recursive: true });
  // Stale only after longer than the machine has run: as in the first minute after a boot, the age alone frees nothing.
  const options = { base, timeoutMs: 2_000, staleMs: (uptime() + 3600) * 1000 };
  // Written since the boot, an empty file may still be a writer's: only its age can free it, and the wait is shorter.
  await writeFile(file, "");
  expect((await rejection(withLock("state", async () => "ran", { ...options, timeoutMs: 300 }))).code).toBe("lock_timeout");
  expect(readFileSync(file, "utf8")).toBe("");
  const beforeBoot = new Date(Date.now() - uptime() * 1000 - 60_000);
  await utimes(file, beforeBoot, beforeBoot);
  expect(await withLock("state", async () => JSON.parse(readFileSync(file, "utf8")).pid, options)).toBe(process.pid);
  expect(existsSync(file)).toBe(false);
});

test.skipIf(process.platform !== "linux")("a lock held by a zombie pid is taken over", async () => {
  const base = await tempHome();
  // The background child exits, and its parent (now `sleep`) never reaps it: a zombie.
  const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  const pid = await new Promise<number>((done) => parent.stdout.once("data", (chunk: Buffer) => done(Number(chunk.toString().trim()))));
  try {
    await until(() => readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "), "the child to be a zombie");
    expect(isProcessAlive(pid)).toBe(false);
    await plantLock(base, "zombie", pid);
    expect(await withLock("zombie", async () => "ran", { base, timeoutMs: 2_000 })).toBe("ran");
  } finally {
    parent.kill("SIGKILL");
  }
});

test("a live holder makes withLock wait, then time out with lock_timeout naming the pid, its lock untouched", async () => {
  const base = await tempHome();
  const holder = spawn(BUN, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  try {
    const pid = holder.pid ?? 0;
    const file = await plantLock(base, "repo-main", pid);
    const planted = readFileSync(file, "utf8");
    let ran = false;
    const error = await rejection(withLock("repo-main", async () => (ran = true), { base, timeoutMs: 400 }));
    expect(ran).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(planted);
    expect(error.code).toBe("lock_timeout");
    expect(error.message).toContain('"repo-main"');
    expect(error.message).toContain(`pid ${pid}`);
    expect(error.details).toMatchObject({ lock: "repo-main", pid });
  } finally {
    holder.kill("SIGKILL");
    await waitForExit(holder);
  }
});

test("a caller waiting on a live holder runs once the holder is gone, never while it lives", async () => {
  const base = await tempHome();
  const holder = spawn(BUN, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  try {
    const pid = holder.pid ?? 0;
    await plantLock(base, "repo-main", pid);
    let holderAliveWhenRun: boolean | undefined;
    const waiting = withLock("repo-main", async () => (holderAliveWhenRun = isProcessAlive(pid)), { base, timeoutMs: 30_000 });
    // withLock made its temp directory: it is at the lock file, finding it held.
    await until(() => existsSync(join(base, TEMP_DIRNAME)), "withLock's temp directory");
    expect(holderAliveWhenRun).toBeUndefined();
    holder.kill("SIGKILL");
    await waitForExit(holder);
    await waiting;
    expect(holderAliveWhenRun).toBe(false);
  } finally {
    holder.kill("SIGKILL");
    await waitForExit(holder);
  }
});

test("callers in one process queue for a lock and never overlap", async () => {
  const base = await tempHome();
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      withLock(
        "queue",
        async () => {
          most = Math.max(most, ++inside);
          await sleep(1);
          order.push(i);
          inside--;
        },
        { base },
      ),
    ),
  );
  expect(most).toBe(1);
  expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test("a holder busy for longer than staleMs keeps its lock because it refreshes the file", async () => {
  const base = await tempHome();
  // The contender waits 2.5 stale periods; staleMs is 2 s (not 150 ms) so a loaded machine's scheduling gaps between
  // the holder's refreshes (every staleMs / 3) cannot look like a dead holder.
  await withLock(
    "long",
    async () => {
      const contender = spawnFixture("try-lock.ts", [base, "long", "5000", "2000"]);
      const answer = new Promise<string>((done) => contender.stdout?.once("data", (chunk: Buffer) => done(chunk.toString().trim())));
      expect(await answer).toBe("lock_timeout");
      await waitForExit(contender);
    },
    { base, staleMs: 2000 },
  );
  const contender = spawnFixture("try-lock.ts", [base, "long", "5000", "2000"]);
  await waitForLine(contender, "acquired");
});

test("lock names that are not safe file names are refused", async () => {
  const base = await tempHome();
  for (const name of ["../x", "a/b", "", ".."]) {
    expect((await rejection(withLock(name, async () => 1, { base }))).code).toBe("invalid_lock_name");
  }
});
