/**
 * Finding 11 (state): temp files of a writer killed with SIGKILL do not stay in `state/.tmp`.
 * The next `patchbay start` sweeps every temp file whose writer is gone, however fresh, and
 * leaves the files of live writers alone; so does the owner record's temp file in `run/`.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempNameFor } from "../../src/runtime/index.ts";
import { startTestServer } from "../support/patchbay.ts";
import { removeTempHomes, spawnFixture, tempHome, waitForExit, waitForLine } from "../state/support.ts";

afterAll(removeTempHomes);

test("patchbay start removes the temp files of a SIGKILLed writer and keeps a live writer's", async () => {
  const home = await tempHome();
  const writer = spawnFixture("flip-writer.ts", [home]);
  try {
    await waitForLine(writer, "ready");
  } finally {
    writer.kill("SIGKILL");
  }
  expect((await waitForExit(writer)).signal).toBe("SIGKILL");
  const dead = writer.pid!;
  const temps = join(home, "state", ".tmp");
  // What a kill between open and rename leaves: a half-written record, a lock draft or a claimed stale lock (all named by tempNameFor).
  const left = [tempNameFor(join(home, "state", "records", "job", "j1"), dead), tempNameFor(join(home, "state", ".locks", "records.lock"), dead)];
  for (const name of left) writeFileSync(join(temps, name), '{"half":');
  // A writer that is alive (this test process) may be mid-write right now: its file must stay.
  const live = tempNameFor(join(home, "state", "records", "job", "j2"));
  writeFileSync(join(temps, live), "in flight");
  // And what a kill during an owner-record update leaves next to run/server.json.
  const ownerTemp = join(home, "run", tempNameFor(join(home, "run", "server.json"), dead));
  mkdirSync(join(home, "run"), { recursive: true, mode: 0o700 });
  writeFileSync(ownerTemp, '{"pid":');

  const server = await startTestServer({ home });
  try {
    const remaining = readdirSync(temps);
    expect(remaining.filter((name) => name.includes(`.patchbay-${dead}-`))).toEqual([]);
    expect(existsSync(join(temps, live))).toBe(true);
    expect(existsSync(ownerTemp)).toBe(false);
  } finally {
    await server.stop();
  }
});
