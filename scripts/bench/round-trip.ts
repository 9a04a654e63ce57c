/**
 * Round trip: sequential `tools/call` of a cheap read-only tool, timed one by one on the client,
 * after a warm-up that lets the JIT and the connection settle.
 */
import { HttpMcpSession } from "./http-client.ts";
import { StdioRpc } from "./rpc.ts";
import type { Launch } from "./cold-start.ts";
import { median, percentile } from "./stats.ts";

export interface CallCounts {
  warmup: number;
  calls: number;
}

export interface Latency {
  median: number;
  p99: number;
}

interface Channel {
  request(method: string, params: unknown): Promise<unknown>;
}

// A refused or failed call can be faster than a real one, so it must not count as a sample.
function assertToolSucceeded(result: unknown, tool: string): void {
  const { isError, content } = (result ?? {}) as { isError?: boolean; content?: unknown[] };
  if (isError || !Array.isArray(content)) throw new Error(`${tool} did not succeed: ${JSON.stringify(result).slice(0, 300)}`);
}

async function timeCalls(channel: Channel, tool: string, counts: CallCounts): Promise<Latency> {
  const params = { name: tool, arguments: {} };
  for (let i = 0; i < counts.warmup; i++) assertToolSucceeded(await channel.request("tools/call", params), tool);
  const samples: number[] = [];
  for (let i = 0; i < counts.calls; i++) {
    const started = performance.now();
    const result = await channel.request("tools/call", params);
    samples.push(performance.now() - started);
    assertToolSucceeded(result, tool);
  }
  return { median: median(samples), p99: percentile(samples, 99) };
}

export async function stdioRoundTrip(launch: Launch, tool: string, counts: CallCounts): Promise<Latency> {
  const rpc = StdioRpc.spawn(launch.command, launch.args, launch.env);
  const cancelWatchdog = rpc.watchdog(120_000);
  try {
    await rpc.open();
    return await timeCalls(rpc, tool, counts);
  } finally {
    await rpc.close();
    cancelWatchdog();
  }
}

export async function httpRoundTrip(url: string, tool: string, counts: CallCounts): Promise<Latency> {
  const session = await HttpMcpSession.open(url);
  try {
    return await timeCalls(session, tool, counts);
  } finally {
    await session.close();
  }
}
