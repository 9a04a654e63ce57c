/**
 * The mailbox's index must answer what a filter of every stored message answers, whatever came
 * before: sends out of creation order, state changes, takes, removals, an id stored again after
 * its removal, and a restart. A seeded run of such operations is checked against a plain model
 * after every few steps, on the fs driver (lists kept in memory) and on Redis (sorted sets).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createMessageIndex, type MessageIndex } from "../../src/messaging/message-index.ts";
import type { MessageData, MessageState } from "../../src/messaging/message.ts";
import type { AgentAddress } from "../../src/messaging/names.ts";
import { createRecordStore, type RecordStore } from "../../src/state/index.ts";
import { redisServerPath, startRedis } from "../support/redis.ts";
import { tempDir } from "../support/patchbay.ts";

const redisPath = await redisServerPath();
const redis = redisPath ? await startRedis(redisPath) : undefined;
afterAll(async () => {
  await redis?.stop();
});

// The same name in two namespaces, and an agent that writes to itself.
const AGENTS: AgentAddress[] = [
  { namespace: "team", name: "alice" },
  { namespace: "team", name: "bob" },
  { namespace: "team", name: "carol" },
  { namespace: "other", name: "alice" },
];
const THREADS = ["t1", "t2", "t3"];
const KEYS = ["k1", "k2"];
const STATES: MessageState[] = ["pending", "read", "replied", "deferred"];

/** A fixed xorshift, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

const ids = (messages: MessageData[]) => messages.map((m) => m.id);
const sorted = (messages: MessageData[]) => ids(messages).sort();
const oldestFirst = (messages: MessageData[]) => [...messages].sort((a, b) => a.created_at.localeCompare(b.created_at));
const involves = (m: MessageData, agent: AgentAddress) => m.namespace === agent.namespace && (m.from === agent.name || m.to === agent.name);

async function expectAgreement(index: MessageIndex, model: Map<string, MessageData>, removed: string[]): Promise<void> {
  const truth = [...model.values()];
  expect(sorted(await index.all())).toEqual(sorted(truth));
  for (const id of removed) if (!model.has(id)) expect(await index.find(id)).toBeUndefined();
  for (const agent of AGENTS) {
    const mine = truth.filter((m) => involves(m, agent));
    for (const state of ["pending", "deferred"] as const) {
      const addressed = truth.filter((m) => m.namespace === agent.namespace && m.to === agent.name && m.state === state);
      expect(ids(await index.addressedTo(agent, state))).toEqual(ids(oldestFirst(addressed)));
    }
    for (const limit of [1, 3, 1000]) {
      expect(ids(await index.recall(agent, { limit }))).toEqual(ids(oldestFirst(mine).reverse().slice(0, limit)));
      for (const from of ["alice", "bob"]) {
        const wanted = oldestFirst(mine.filter((m) => m.from === from)).reverse();
        expect(ids(await index.recall(agent, { limit, from }))).toEqual(ids(wanted.slice(0, limit)));
      }
    }
    for (const thread of THREADS) {
      const wanted = oldestFirst(mine.filter((m) => m.thread_id === thread)).reverse();
      expect(ids(await index.recall(agent, { limit: 2, thread_id: thread }))).toEqual(ids(wanted.slice(0, 2)));
      const inThread = truth.filter((m) => m.namespace === agent.namespace && m.thread_id === thread);
      expect(sorted(await index.inThread(agent.namespace, thread))).toEqual(sorted(inThread));
    }
    for (const key of KEYS) {
      const sent = truth.filter((m) => m.namespace === agent.namespace && m.from === agent.name && m.idempotency_key === key);
      expect(sorted(await index.sentWithKey(agent, key))).toEqual(sorted(sent));
    }
  }
}

async function runOperations(open: () => Promise<RecordStore>): Promise<void> {
  const pick = random(0x9e3779b9);
  const model = new Map<string, MessageData>();
  const removed: MessageData[] = [];
  let store = await open();
  let index = await createMessageIndex(store);
  // Creation times are a shuffle of distinct seconds: sends do not come in creation order.
  const seconds = Array.from({ length: 400 }, (_, i) => i);
  for (let i = seconds.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [seconds[i], seconds[j]] = [seconds[j]!, seconds[i]!];
  }
  const anyLive = () => [...model.values()][pick(model.size)]!;
  for (let step = 0; step < seconds.length; step++) {
    const roll = pick(10);
    if (roll < 5 || model.size === 0) {
      const from = AGENTS[pick(AGENTS.length)]!;
      const peers = AGENTS.filter((agent) => agent.namespace === from.namespace);
      const message: MessageData = {
        id: crypto.randomUUID(),
        namespace: from.namespace,
        from: from.name,
        to: peers[pick(peers.length)]!.name,
        thread_id: THREADS[pick(THREADS.length)]!,
        content: `step ${step}`,
        state: "pending",
        created_at: new Date(Date.UTC(2026, 0, 1) + seconds[step]! * 1000).toISOString(),
        group_id: crypto.randomUUID(),
        ...(pick(3) === 0 && { idempotency_key: KEYS[pick(KEYS.length)]! }),
      };
      model.set(message.id, await index.save(message));
    } else if (roll < 7) {
      const before = anyLive();
      model.set(before.id, await index.save({ ...before, state: STATES[pick(STATES.length)]! }, before));
    } else if (roll === 7) {
      const agent = AGENTS[pick(AGENTS.length)]!;
      const pending = await index.addressedTo(agent, "pending", true);
      for (const read of await index.markRead(pending.slice(0, 1 + pick(4)), new Date().toISOString())) model.set(read.id, read);
    } else if (roll === 8) {
      const gone = anyLive();
      await index.remove(gone);
      model.delete(gone.id);
      removed.push(gone);
    } else if (removed.length > 0) {
      // The same id stored again after its removal is listed once.
      const back = removed.splice(pick(removed.length), 1)[0]!;
      model.set(back.id, await index.save(back));
    }
    if (step % 25 === 24) await expectAgreement(index, model, ids(removed));
    if (step === 200) {
      // A restart: a new index over the same records (and the fs driver's unfolded read receipts).
      await store.close();
      store = await open();
      index = await createMessageIndex(store);
      await expectAgreement(index, model, ids(removed));
    }
  }
  await expectAgreement(index, model, ids(removed));
  await store.close();
}

describe("the mailbox's index agrees with a filter of every message", () => {
  test("on the fs driver, through sends out of order, state changes, takes, removals and a restart", async () => {
    const home = tempDir();
    await runOperations(() => createRecordStore({ home }));
  }, 60_000);

  test.skipIf(!redis)(
    "on Redis, the same operations",
    async () => {
      await redis!.command("FLUSHALL");
      const home = tempDir();
      await runOperations(() => createRecordStore({ home, driver: "redis", redisUrl: redis!.url }));
    },
    60_000,
  );
});
