/**
 * The SDK's own client (`@modelcontextprotocol/client`), as hosts use it: connect, list the tools
 * (the client then checks each result against the tool's output schema, as hosts do), and time
 * `tools/call` one call at a time.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import type { Launch } from "../cold-start.ts";
import { median, percentile } from "../stats.ts";

export interface ToolCall {
  name: string;
  args: Record<string, unknown>;
}

export interface Latency {
  median: number;
  p99: number;
}

export interface BenchClient {
  call(call: ToolCall): Promise<void>;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: "patchbay-bench", version: "1.0.0" };

async function open(transport: StdioClientTransport | StreamableHTTPClientTransport): Promise<BenchClient> {
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(transport);
  await client.listTools();
  return {
    async call({ name, args }) {
      const result = await client.callTool({ name, arguments: args });
      // A refused or failed call can be faster than a real one, so it must not count as a sample.
      if (result.isError || !Array.isArray(result.content)) throw new Error(`${name} did not succeed: ${JSON.stringify(result).slice(0, 300)}`);
    },
    close: () => client.close(),
  };
}

export function connectStdio(launch: Launch): Promise<BenchClient> {
  return open(new StdioClientTransport({ command: launch.command, args: launch.args, env: launch.env, stderr: "ignore" }));
}

export function connectHttp(url: string): Promise<BenchClient> {
  return open(new StreamableHTTPClientTransport(new URL(url)));
}

/** One tool call on one connection, timed as a series of samples. */
export interface Series {
  client: BenchClient;
  call: ToolCall;
}

/** Slices each series' calls are cut into; a slice of every series runs before the next slice of any. */
const SLICES = 10;

/** The indexes 0..n-1 in an order drawn from `seed` (a fixed xorshift, so runs are comparable). */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, index) => index);
  let state = seed * 2654435761 + 1;
  for (let i = n - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Median and p99 of `calls` sequential calls per series after `warmup` untimed ones. The series
 * take turns, a slice of calls each, in a new order every slice: on a shared machine a burst of
 * load then falls on every series alike instead of on whichever ran at that minute, so the ratios
 * between them hold even when the absolute figures do not; and no series always follows the same
 * one (a relayed row after the same server's HTTP row caught that row's leftover work).
 */
export async function timeInterleaved(series: readonly Series[], counts: { warmup: number; calls: number }): Promise<Latency[]> {
  for (const { client, call } of series) for (let i = 0; i < counts.warmup; i++) await client.call(call);
  const samples: number[][] = series.map(() => []);
  const perSlice = Math.ceil(counts.calls / SLICES);
  for (let slice = 0; slice < SLICES; slice++) {
    for (const index of shuffled(series.length, slice + 1)) {
      const { client, call } = series[index]!;
      for (let i = 0; i < perSlice && samples[index]!.length < counts.calls; i++) {
        const started = performance.now();
        await client.call(call);
        samples[index]!.push(performance.now() - started);
      }
    }
  }
  return samples.map((taken) => ({ median: median(taken), p99: percentile(taken, 99) }));
}
