/**
 * One atomic write and one temp sweep (src/runtime/atomic-file.ts), through the writers that use
 * them: a reader never sees a config file half-written while another process rewrites it, even
 * when that process is SIGKILLed; and the temps a killed writer leaves are swept by the next write
 * of the same file, and by opening the record store, matching exactly the temp-name rule.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeConfigFile } from "../../src/config/index.ts";
import { isTempName, tempNameFor } from "../../src/runtime/index.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { flipPayload } from "./fixtures/payloads.ts";
import { deadPid, removeTempHomes, spawnFixture, tempHome, waitForExit, waitForLine } from "./support.ts";

afterAll(removeTempHomes);

const VERSIONS = { A: JSON.stringify(flipPayload("A")), B: JSON.stringify(flipPayload("B")) };
const ROUNDS = 6;
const ELEVEN_MINUTES_AGO = () => new Date(Date.now() - 11 * 60_000);

/** Reads `file` until `deadline`, each read exactly version A or B; returns how many reads. */
async function readWhole(file: string, deadline: number): Promise<number> {
  let reads = 0;
  for (; Date.now() < deadline; reads++) expect([VERSIONS.A, VERSIONS.B]).toContain(await readFile(file, "utf8"));
  return reads;
}

test(
  "a config file rewritten by a process that is SIGKILLed is only ever read whole, and the next write sweeps what the dead writer left",
  async () => {
    const dir = await tempHome();
    const file = join(dir, "profiles", "flip.toml");
    let reads = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const writer = spawnFixture("config-writer.ts", [file]);
      try {
        await waitForLine(writer, "ready");
        reads += await readWhole(file, Date.now() + 20 + Math.random() * 80);
      } finally {
        writer.kill("SIGKILL");
      }
      expect((await waitForExit(writer)).signal).toBe("SIGKILL");
      expect([VERSIONS.A, VERSIONS.B]).toContain(await readFile(file, "utf8"));
    }
    expect(reads).toBeGreaterThan(0);

    // What a kill between create and rename leaves, however fresh; a live writer's temp (this
    // process may be mid-write) stays, as do files that only look like temps.
    const folder = join(dir, "profiles");
    const dead = join(folder, tempNameFor(file, await deadPid()));
    const live = join(folder, tempNameFor(file));
    const otherTarget = join(folder, tempNameFor(join(folder, "other.toml"), await deadPid()));
    const lookAlikes = [
      `${file}.tmp`,
      join(folder, ".flip.toml.patchbay-1.tmp"),
      join(folder, `flip.toml.patchbay-${await deadPid()}-${crypto.randomUUID()}.tmp`),
    ];
    for (const path of [dead, live, otherTarget, ...lookAlikes]) await writeFile(path, '{"half":');

    await writeConfigFile(file, "done\n");
    expect(await readFile(file, "utf8")).toBe("done\n");
    const left = await readdir(folder);
    expect(existsSync(dead)).toBe(false);
    // Every other temp the killed rounds left of this file is gone too; only the live writer's remains.
    expect(left.filter((name) => isTempName(name) && name.startsWith(".flip.toml."))).toEqual([live.slice(folder.length + 1)]);
    expect(existsSync(otherTarget)).toBe(true);
    for (const path of lookAlikes) expect(existsSync(path)).toBe(true);
  },
  { timeout: 60_000 },
);

test("opening the record store sweeps state/.tmp: a dead writer's temps at once, a live one's after ten minutes, nothing that is not a temp", async () => {
  const home = await tempHome();
  const temps = join(home, "state", ".tmp");
  await mkdir(temps, { recursive: true });
  const record = join(home, "state", "records", "job", "j1");
  const lock = join(home, "state", ".locks", "records.lock");
  const pid = await deadPid();
  const deadOnes = [tempNameFor(record, pid), tempNameFor(lock, pid)];
  const liveOld = tempNameFor(record);
  const liveFresh = tempNameFor(lock);
  const notTemps = ["old", `${pid}-${crypto.randomUUID()}`];
  for (const name of [...deadOnes, liveOld, liveFresh, ...notTemps]) await writeFile(join(temps, name), "half");
  for (const name of [liveOld, ...notTemps]) await utimes(join(temps, name), ELEVEN_MINUTES_AGO(), ELEVEN_MINUTES_AGO());

  const store = await createRecordStore({ home });
  try {
    expect((await readdir(temps)).sort()).toEqual([liveFresh, ...notTemps].sort());
    expect(await readFile(join(temps, liveFresh), "utf8")).toBe("half");
  } finally {
    await store.close();
  }
});
