/**
 * Issue #13: `updateWorker` changes a draft, never the record it read under the lock; a change
 * that throws saves nothing. A real fs record store; the test only watches what `update` hands over.
 */
import { afterAll, expect, test } from "bun:test";
import { createRecordStore, type RecordStore } from "../../src/state/index.ts";
import { updateWorker, type WorkerRecord } from "../../src/workers/record.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const WORKER: WorkerRecord = {
  id: "wrk_00000000000000000001",
  name: "builder",
  repo: "/repo",
  agent: "mock",
  workspace_mode: "shared_write",
  owner: "client-a",
  turns: [],
  artifacts: [],
  takeovers: [],
  created_at: "2026-12-01T00:00:00.000Z",
  updated_at: "2026-12-01T00:00:00.000Z",
};

/** The real store, keeping each record `update` hands to its callback. */
function watched(store: RecordStore): { store: RecordStore; handed: WorkerRecord[] } {
  const handed: WorkerRecord[] = [];
  const update: RecordStore["update"] = (kind, id, fn, options) =>
    store.update(
      kind,
      id,
      (current) => {
        if (current) handed.push(current.data as WorkerRecord);
        return fn(current);
      },
      options,
    );
  return { store: { ...store, update } as RecordStore, handed };
}

test("updateWorker saves the change as a new record and leaves the record it read as it was", async () => {
  const real = await createRecordStore({ home: tempDir("pb-worker-update-") });
  try {
    await real.put("worker", WORKER.id, WORKER);
    const { store, handed } = watched(real);
    const saved = await updateWorker(store, WORKER.id, (draft) => {
      draft.turns.push({ job_id: "job_1", kind: "start", at: "2026-12-01T00:00:01.000Z", by: "client-a" });
      draft.last_state = "running";
    });
    expect(handed).toEqual([WORKER]);
    expect(saved).toMatchObject({ turns: [{ job_id: "job_1" }], last_state: "running" });
    expect(saved.updated_at > WORKER.updated_at).toBe(true);
    expect((await real.get<WorkerRecord>("worker", WORKER.id))?.data).toEqual(saved);
  } finally {
    await real.close();
  }
});

test("a change that throws half-way saves nothing and leaves the record it read as it was", async () => {
  const real = await createRecordStore({ home: tempDir("pb-worker-update-") });
  try {
    await real.put("worker", WORKER.id, WORKER);
    const { store, handed } = watched(real);
    const failing = updateWorker(store, WORKER.id, (draft) => {
      draft.owner = "client-b";
      throw new Error("refused after the owner was changed");
    });
    await expect(failing).rejects.toThrow("refused after the owner was changed");
    expect(handed).toEqual([WORKER]);
    expect((await real.get<WorkerRecord>("worker", WORKER.id))?.data).toEqual(WORKER);
  } finally {
    await real.close();
  }
});
