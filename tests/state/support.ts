/** Shared helpers for the state tests: temp homes and child processes running fixture scripts. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PatchbayError } from "../../src/errors/index.ts";

export const BUN = resolve(import.meta.dirname, "../../node_modules/.bin/bun");
const FIXTURES = join(import.meta.dirname, "fixtures");

const homes: string[] = [];

export async function tempHome(parent = tmpdir()): Promise<string> {
  const home = await mkdtemp(join(parent, "patchbay-state-"));
  homes.push(home);
  return home;
}

export async function removeTempHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
}

/** Run `tests/state/fixtures/<name>` under Bun with piped stdio. */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  return spawn(BUN, [join(FIXTURES, name), ...args], { stdio: ["pipe", "pipe", "inherit"] });
}

/** Resolve once the child prints a line equal to `line`; reject if it exits first. */
export function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((done, fail) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      if (!buffer.split("\n").includes(line)) return;
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      done();
    };
    const onExit = (code: number | null) => fail(new Error(`child exited with ${code} before printing ${line}`));
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((done) => child.once("exit", (code, signal) => done({ code, signal })));
}

/** The pid of a process that has already exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(BUN, ["-e", ""], { stdio: "ignore" });
  await waitForExit(child);
  return child.pid ?? 0;
}

/** Relative paths of every file under `dir`, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * The PatchbayError a promise rejects with. Assert on its fields directly: Bun 1.4.5's
 * `toMatchObject` with `expect.stringContaining` overwrites the received property with the matcher.
 */
export async function rejection(promise: Promise<unknown>): Promise<PatchbayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PatchbayError) return error;
    throw error;
  }
  throw new Error("expected the promise to reject");
}
