import { afterAll, expect, test } from "bun:test";
import { createRecordStore } from "../../src/state/index.ts";
import { removeTempHomes, spawnFixture, tempHome, waitForLine } from "./support.ts";

afterAll(removeTempHomes);

const PER_CALLER = 100;

test("update() loses no increments with two child processes and in-process callers at once", async () => {
  const home = await tempHome();
  const store = await createRecordStore({ home });
  const children = [0, 1].map(() => spawnFixture("increment.ts", [home, String(PER_CALLER)]));
  try {
    await Promise.all(children.map((child) => waitForLine(child, "ready")));
    const finished = children.map((child) => waitForLine(child, "done"));
    for (const child of children) child.stdin?.write("go\n");
    // All in-process calls are in flight together, so they exercise the in-process queue too.
    await Promise.all(
      Array.from({ length: PER_CALLER }, () =>
        store.update<{ count: number }>("meta", "counter", (current) => ({ count: (current?.data.count ?? 0) + 1 })),
      ),
    );
    await Promise.all(finished);
  } finally {
    for (const child of children) child.kill("SIGKILL");
  }
  expect((await store.get<{ count: number }>("meta", "counter"))?.data.count).toBe(3 * PER_CALLER);
  await store.close();
}, { timeout: 30_000 });
