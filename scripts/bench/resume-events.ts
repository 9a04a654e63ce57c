/**
 * The cost of resumable streams per SSE event (issue 20): one 2025-11-25 session served by the
 * SDK's real transport with the store `/mcp` gives it, a tool call that sends N progress
 * notifications before its answer, timed with the memory store and with the Redis store
 * (state.driver "redis", a local redis-server) in the same run, rounds alternating. Every event of
 * the call (the priming event, each progress notification, the answer) is stored before it is
 * written to the stream, so the per-event cost is (time at N − time at 0) ÷ N. No tool work, no
 * network between client and server: what is left is the store.
 *
 *   bun scripts/bench/resume-events.ts            # prints the table (needs redis-server; a few seconds)
 *   bun scripts/bench/resume-events.ts --write    # also rewrites the section in docs/benchmarks.md
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { type EventStore, Server, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { Redis } from "ioredis";
import { createMemoryEventStore } from "../../src/http/event-store-memory.ts";
import { createRedisEventStore, withPostedRequests } from "../../src/http/event-store-redis.ts";
import { redisLogs } from "../../src/state/redis-logs.ts";
import { describeMachine } from "./machine.ts";
import { redisServerPath, startRedis } from "./messaging/redis.ts";
import { median } from "./stats.ts";
import { publishSection } from "./sections.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "41" }, events: { type: "string", default: "100" }, write: { type: "boolean", default: false } },
});
const rounds = Number(values.rounds);
const events = Number(values.events);
if (!Number.isInteger(rounds) || rounds < 3 || rounds > 1000) throw new Error(`--rounds must be a whole number from 3 to 1000, not ${values.rounds}`);
if (!Number.isInteger(events) || events < 1 || events > 10_000) throw new Error(`--events must be a whole number from 1 to 10000, not ${values.events}`);

const URL_ = "http://bench.invalid/mcp";
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
// server.resume_events and server.resume_seconds at their defaults.
const RETENTION = { maxEvents: 1000, maxAgeMs: 600_000 };
const WARM_UP = 3;

/** A session whose one tool sends `arguments.count` progress notifications, then answers. */
async function openSession(eventStore: EventStore): Promise<(count: number) => Promise<number>> {
  const server = new Server({ name: "bench", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler("tools/list", () => ({ tools: [] }));
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const count = Number(request.params.arguments?.count ?? 0);
    for (let i = 1; i <= count; i++) {
      await ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: 1, progress: i, message: `step ${i} of ${count}` } });
    }
    return { content: [{ type: "text", text: "done" }] };
  });
  const sessionId = crypto.randomUUID();
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => sessionId, eventStore, retryInterval: 1000 });
  await server.connect(transport);
  const post = (body: unknown, session = true) =>
    withPostedRequests(body, () =>
      transport.handleRequest(new Request(URL_, { method: "POST", headers: session ? { ...HEADERS, "mcp-session-id": sessionId } : HEADERS }), {
        parsedBody: body,
      }),
    );
  const initialize = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1.0.0" } };
  await (await post({ jsonrpc: "2.0", id: 0, method: "initialize", params: initialize }, false)).text();
  await (await post({ jsonrpc: "2.0", method: "notifications/initialized" })).text();
  let id = 1;
  return async (count) => {
    const began = performance.now();
    const call = { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name: "steps", arguments: { count }, _meta: { progressToken: 1 } } };
    const text = await (await post(call)).text();
    const took = performance.now() - began;
    const sent = text.split("\n").filter((line) => line.startsWith("id: ")).length;
    // The priming event, the progress notifications, the answer: each one stored and given an id.
    if (sent !== count + 2) throw new Error(`expected ${count + 2} events with ids, got ${sent}: ${text.slice(0, 300)}`);
    return took;
  };
}

const redisPath = redisServerPath();
if (!redisPath) throw new Error("redis-server is not installed (apt-get install -y redis-server)");
const redis = await startRedis(redisPath);
const client = new Redis(redis.url, { lazyConnect: true });
const began = performance.now();
try {
  await client.connect();
  const pingTimes: number[] = [];
  const stores = {
    memory: await openSession(createMemoryEventStore(RETENTION)),
    redis: await openSession(
      createRedisEventStore({ logs: redisLogs(client), sessionId: crypto.randomUUID(), retention: RETENTION, server: "bench", callTtlMs: 1_800_000 }),
    ),
  };
  const times = { memory: { zero: [] as number[], many: [] as number[] }, redis: { zero: [] as number[], many: [] as number[] } };
  for (let round = 0; round < rounds + WARM_UP; round++) {
    const sample = {
      memory: { zero: await stores.memory(0), many: await stores.memory(events) },
      redis: { zero: await stores.redis(0), many: await stores.redis(events) },
    };
    const ping = performance.now();
    await client.ping();
    const pingTook = performance.now() - ping;
    if (round < WARM_UP) continue;
    pingTimes.push(pingTook);
    for (const store of ["memory", "redis"] as const) {
      times[store].zero.push(sample[store].zero);
      times[store].many.push(sample[store].many);
    }
  }
  const perEvent = (store: "memory" | "redis") => (median(times[store].many) - median(times[store].zero)) / events;
  const memory = perEvent("memory");
  const shared = perEvent("redis");
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const machine = describeMachine();
  const redisVersion = execFileSync(redisPath, ["--version"], { encoding: "utf8" }).match(/v=(\S+)/)?.[1] ?? "?";
  const section = [
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.kernel}, Bun ${machine.bun}, redis-server ${redisVersion} on 127.0.0.1. ` +
      `Median of ${rounds} rounds after ${WARM_UP} warm-up rounds, the stores taking turns in each; the whole run took ${Math.round((performance.now() - began) / 1000)} s.`,
    "",
    "| Measure | memory store | Redis store | Redis ÷ memory | baseline | Redis ÷ baseline |",
    "|---|--:|--:|--:|---|--:|",
    `| call with no progress (priming event + answer) | ${ms(median(times.memory.zero))} | ${ms(median(times.redis.zero))} | ` +
      `${(median(times.redis.zero) / median(times.memory.zero)).toFixed(1)}× | — | — |`,
    `| call with ${events} progress notifications | ${ms(median(times.memory.many))} | ${ms(median(times.redis.many))} | ` +
      `${(median(times.redis.many) / median(times.memory.many)).toFixed(1)}× | — | — |`,
    `| per SSE event ((${events} − 0) ÷ ${events}) | ${ms(memory)} | ${ms(shared)} | ${(shared / memory).toFixed(1)}× | ` +
      `${ms(median(pingTimes))} Redis PING (ioredis) | ${(shared / median(pingTimes)).toFixed(1)}× |`,
  ].join("\n");
  publishSection(section, { marker: "bench-resume-events", script: "scripts/bench/resume-events.ts", write: values.write });
} finally {
  client.disconnect();
  await redis.stop();
}
