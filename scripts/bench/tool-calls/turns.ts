/**
 * Sides timed call for call: each side is a client and the call it makes (patchbay against a
 * baseline in tool-calls-paired.ts, one build against another in tool-calls-ab.ts). The sides take
 * turns in a new random order each time, so a burst of load falls on all of them alike, in the two
 * regimes the tool-call targets are judged in.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { median } from "../stats.ts";
import type { BenchClient, ToolCall } from "./client.ts";

export interface Side {
  client: BenchClient;
  call: ToolCall;
}

/** How calls follow each other: `gapMs` of quiet before each, `calls` timed per side. */
export interface Regime {
  name: string;
  gapMs: number;
  calls: number;
}

/** Back to back (the next call as soon as the answer is in), and a call every 5 ms, which lets every process go idle between calls as a host does between model turns. */
export const REGIMES: readonly Regime[] = [
  { name: "back to back", gapMs: 0, calls: 600 },
  { name: "a call every 5 ms", gapMs: 5, calls: 200 },
];

/** The indexes 0..n-1 in a random order (Fisher–Yates). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, index) => index);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Each side's median over `regime.calls` calls after `warmup` untimed ones, the sides in a new order each time. */
export async function timeTakingTurns(sides: readonly Side[], regime: Regime, warmup: number): Promise<number[]> {
  for (const { client, call } of sides) for (let i = 0; i < warmup; i++) await client.call(call);
  const samples = sides.map(() => [] as number[]);
  for (let i = 0; i < regime.calls; i++) {
    for (const index of shuffled(sides.length)) {
      if (regime.gapMs > 0) await sleep(regime.gapMs);
      const { client, call } = sides[index]!;
      const started = performance.now();
      await client.call(call);
      samples[index]!.push(performance.now() - started);
    }
  }
  return samples.map(median);
}
