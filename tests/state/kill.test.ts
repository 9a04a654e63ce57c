import { afterAll, expect, test } from "bun:test";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createRecordStore, type RecordStore } from "../../src/state/index.ts";
import { flipPayload, type FlipPayload } from "./fixtures/payloads.ts";
import { removeTempHomes, spawnFixture, tempHome, waitForExit, waitForLine } from "./support.ts";

afterAll(removeTempHomes);

const ROUNDS = 12;

// The timeout is explicit because Bun 1.4.5 ignores `timeout` in bunfig.toml (default 5 s).
test(
  "a writer SIGKILLed mid-write leaves the record as exactly version A or B",
  async () => {
    const home = await tempHome();
    const file = join(home, "state", "records", "job", "flip");
    const versions = { A: flipPayload("A"), B: flipPayload("B") };
    const store = await createRecordStore({ home });
    const seen = { A: 0, B: 0, tempFilesLeft: 0, readsWhileWriting: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const writer = spawnFixture("flip-writer.ts", [home]);
      try {
        await waitForLine(writer, "ready");
        // Reading while the writer runs also catches torn states that only last until the next write.
        seen.readsWhileWriting += await readUntil(store, Date.now() + 20 + Math.random() * 100, versions);
      } finally {
        // Also on failure: a writer left running would rewrite 200 KB forever.
        writer.kill("SIGKILL");
      }
      expect((await waitForExit(writer)).signal).toBe("SIGKILL");

      const onDisk = JSON.parse(await readFile(file, "utf8"));
      const record = await store.get<FlipPayload>("job", "flip");
      expect(record).toEqual(onDisk);
      const version = record?.data.version === "B" ? "B" : "A";
      expect(record?.data).toEqual(versions[version]);
      seen[version]++;
      expect((await store.list("job")).map((listed) => listed.id)).toEqual(["flip"]);
    }
    seen.tempFilesLeft = (await readdir(join(home, "state", ".tmp"))).length;
    // Which versions were seen, and how many writes the kills interrupted, varies per run.
    console.log(`kill test: ${JSON.stringify(seen)}`);
    await store.close();
  },
  { timeout: 30_000 },
);

/** Read the record until `deadline`, asserting each read is exactly one version; returns the read count. */
async function readUntil(store: RecordStore, deadline: number, versions: Record<"A" | "B", FlipPayload>): Promise<number> {
  let reads = 0;
  for (; Date.now() < deadline; reads++) {
    const data = (await store.get<FlipPayload>("job", "flip"))?.data;
    expect(data).toEqual(versions[data?.version === "B" ? "B" : "A"]);
  }
  return reads;
}
